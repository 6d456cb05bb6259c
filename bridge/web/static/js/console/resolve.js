// Resolve the chat's ticket from the console, while the chat is open or after End Chat.
// The bridge says what Resolve sets (the configured Status, its Status Reasons) and whether I
// may resolve now (GET /tickets/{id}/resolution): the control shows only when I may, so the
// console never offers what the bridge would refuse; a refusal still shows its sentence.

import { enc } from "../api.js";
import { $, fill, h, toast } from "../dom.js";

const KIND = { incident: "Incident", work_order: "Work order" };
const asked = new Map(); // "<ticket>|<ticket status>|<chat status>|<agent>" -> Promise<resolution>

/** The chat's newest ticket and its latest status, from the history's ticket rows. */
export function chatTicket(chat) {
  let ticket = null;
  for (const row of (chat && chat.rows) || []) {
    const p = row.payload || {};
    if (row.type === "TicketLinked") ticket = { id: p.ticket_id, kind: p.kind, status: p.status };
    else if (row.type === "TicketStatusChanged" && ticket && p.ticket_id === ticket.id) ticket = { ...ticket, status: p.status };
  }
  return ticket;
}

function resolution(store, ticket, summary) {
  const key = [ticket.id, ticket.status, summary.status, summary.agent_id].join("|");
  if (!asked.has(key)) {
    const answer = store.api.get(`/api/v1/agent/tickets/${enc(ticket.id)}/resolution`);
    answer.catch(() => asked.delete(key)); // ask again next time rather than remember a failure
    asked.set(key, answer);
  }
  return asked.get(key);
}

/**
 * Keep a "Resolve ticket" button beside the selected chat's actions while the bridge says I may
 * resolve its ticket: the holder of an open chat, or the agent in whose hands it closed.
 */
export function mountResolve(store) {
  let turn = 0; // only the latest render may fill the slot (answers can arrive out of order)
  const render = () => {
    const mine = ++turn;
    const chatId = store.selected;
    const slot = ensureSlot();
    const chat = chatId && store.chats.get(chatId);
    const ticket = chatTicket(chat);
    if (!chat || !chat.summary || !ticket) {
      fill(slot);
      return;
    }
    const summary = chat.summary;
    resolution(store, ticket, summary).then((offer) => {
      if (mine === turn) fill(slot, offer.can_resolve ? resolveButton(store, chatId, offer) : null);
    }, () => {
      if (mine === turn) fill(slot);
    });
  };
  store.addEventListener("select", render);
  store.addEventListener("chat", (event) => {
    if (event.detail === store.selected) render();
  });
  // The ticket changed without a row (e.g. Confirm + Save left edit mode): ask again.
  store.addEventListener("ticket", (event) => {
    for (const key of [...asked.keys()]) if (key.startsWith(`${event.detail.id}|`)) asked.delete(key);
    render();
  });
}

/** The slot sits right after the chat's action toolbar, both in one row that wraps as one. */
function ensureSlot() {
  let slot = $("#chat-ticket");
  if (!slot) {
    const actions = $("#chat-actions");
    slot = h("div", { id: "chat-ticket", class: "chat-ticket" });
    const tools = h("div", { class: "chat-tools" });
    actions.replaceWith(tools);
    tools.append(actions, slot);
  }
  return slot;
}

function resolveButton(store, chatId, offer) {
  const label = `Resolve ${KIND[offer.kind] || "ticket"} ${offer.ticket_id}`;
  return h("button", {
    type: "button", class: "btn btn-ok", text: "Resolve ticket",
    attrs: { "aria-label": label, title: `${label} as ${offer.status}` },
    on: { click: () => openDialog(store, chatId, offer) },
  });
}

function dialogElement() {
  let dialog = $("#resolve-dialog");
  if (dialog) return dialog;
  dialog = h("dialog", { id: "resolve-dialog", class: "dialog", attrs: { "aria-labelledby": "resolve-title" } });
  document.body.append(dialog);
  return dialog;
}

/** Ask for the Status Reason (the configured one preselected), then resolve. */
function openDialog(store, chatId, offer) {
  const dialog = dialogElement();
  const reason = h("select", { id: "resolve-reason" },
    offer.reasons.map((r) => h("option", { value: r, text: r, selected: r === offer.status_reason })));
  const error = h("p", { id: "resolve-error", class: "form-error", attrs: { role: "alert" } });
  const submit = async (event) => {
    event.preventDefault();
    if (event.submitter && event.submitter.value === "cancel") {
      dialog.close();
      return;
    }
    try {
      const ticket = await store.api.post(`/api/v1/agent/tickets/${enc(offer.ticket_id)}/resolve`,
        { status: offer.status, status_reason: reason.value });
      dialog.close();
      toast(`${KIND[ticket.kind] || "Ticket"} ${ticket.id} resolved: ${ticket.status} (${ticket.status_reason}).`, "ok");
      store.emit("ticket", ticket);
      await store.refreshChat(chatId);
    } catch (err) {
      error.textContent = err.message;
    }
  };
  fill(dialog, h("form", { method: "dialog", on: { submit } },
    h("h2", { id: "resolve-title", text: `Resolve ${KIND[offer.kind] || "ticket"} ${offer.ticket_id}` }),
    h("p", {}, "Status: ", h("strong", { id: "resolve-status", text: offer.status })),
    h("label", { htmlFor: "resolve-reason", text: "Status Reason" }), reason, error,
    h("div", { class: "dialog-buttons" },
      h("button", { type: "submit", class: "btn", value: "cancel", text: "Cancel" }),
      h("button", { type: "submit", class: "btn btn-primary", value: "ok", text: "Resolve" }))));
  dialog.showModal();
  reason.focus();
}
