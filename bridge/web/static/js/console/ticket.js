// Create Incident / Create Work Order, with or without a template, and the edit mode a
// template with blank required fields puts the ticket in: it lists the missing fields until
// the agent fills them and clicks Confirm + Save.

import { enc } from "../api.js";
import { h, toast } from "../dom.js";

const KIND = { incident: "Incident", work_order: "Work Order" };

export async function createTicket(store, state, kind, template) {
  const body = { kind };
  if (template) body.template_id = template.id;
  try {
    const ticket = await store.api.post(`/api/v1/agent/chats/${enc(state.chatId)}/tickets`, body);
    state.setTicket(ticket);
    toast(`${KIND[kind]} ${ticket.id} created${ticket.mode === "edit" ? ": complete the required fields" : ""}.`, "ok");
    store.refreshChat(state.chatId).catch(() => {});
  } catch (err) {
    toast(err.message);
  }
}

function humanize(name) {
  return name.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase());
}

function labelsFrom(templates, ticket) {
  const template = templates.find((t) => t.id === ticket.template_id);
  const labels = new Map();
  for (const f of (template && template.fields) || []) labels.set(f.name, f.label || humanize(f.name));
  return labels;
}

/** The chat's ticket: an editable form in edit mode, a summary once saved. */
export function ticketCard(store, state, ticket, templates) {
  const title = `${KIND[ticket.kind] || ticket.kind} ${ticket.id}`;
  const head = h("div", { class: "ticket-head" }, h("h3", { text: title }), h("span", { class: "tag", text: ticket.status }),
    h("span", { class: `tag ${ticket.mode === "edit" ? "tag-warn" : "tag-ok"}`, text: ticket.mode === "edit" ? "Edit mode" : "Saved" }));
  const body = ticket.mode === "edit" ? editForm(store, state, ticket, labelsFrom(templates, ticket)) : savedView(ticket, labelsFrom(templates, ticket));
  return h("section", { class: "side-section ticket", attrs: { "aria-label": title } }, head, body);
}

function savedView(ticket, labels) {
  const fields = Object.entries(ticket.fields || {});
  const activity = ticket.activity || [];
  return [
    h("p", { class: "ticket-summary", text: ticket.summary || "" }),
    fields.length ? h("dl", { class: "facts" }, fields.map(([k, v]) => [h("dt", { text: labels.get(k) || humanize(k) }), h("dd", { text: v || "–" })])) : null,
    (ticket.pinned_articles || []).length ? h("p", { class: "small", text: `Pinned articles: ${ticket.pinned_articles.join(", ")}` }) : null,
    h("details", {}, h("summary", { text: "Description (chat transcript)" }), h("pre", { class: "description", text: ticket.description || "" })),
    activity.length ? h("details", {}, h("summary", { text: `Activity log (${activity.length})` }),
      h("ul", { class: "plain-list small" }, activity.map((a) => h("li", { text: a.text || String(a) })))) : null,
  ];
}

function editForm(store, state, ticket, labels) {
  const missing = new Set(ticket.missing_fields || []);
  const names = [...new Set([...Object.keys(ticket.fields || {}), ...missing])];
  const inputs = new Map();
  const summary = h("input", { id: "ticket-summary", value: ticket.summary || "", maxLength: 100 });
  const rows = names.map((name) => {
    const id = `ticket-field-${name}`;
    const input = h("input", {
      id, value: (ticket.fields || {})[name] || "",
      attrs: { "aria-invalid": missing.has(name) ? "true" : null, "aria-required": missing.has(name) ? "true" : null, "data-field": name },
    });
    inputs.set(name, input);
    return h("div", { class: `field${missing.has(name) ? " field-missing" : ""}` },
      h("label", { htmlFor: id, text: `${labels.get(name) || humanize(name)}${missing.has(name) ? " (required)" : ""}` }), input);
  });
  const error = h("p", { class: "form-error", attrs: { role: "alert" } });
  const missingList = missing.size
    ? h("div", { class: "notice notice-warn", id: "missing-fields", attrs: { role: "status" } },
      "Complete the required fields, then Confirm + Save. Missing: ",
      h("span", { class: "missing-names", text: [...missing].map((n) => labels.get(n) || humanize(n)).join(", ") }))
    : null;

  const save = async (event) => {
    event.preventDefault();
    const fields = {};
    for (const [name, input] of inputs) {
      if (input.value !== ((ticket.fields || {})[name] || "")) fields[name] = input.value;
    }
    if (summary.value !== (ticket.summary || "")) fields.summary = summary.value;
    const base = `/api/v1/agent/tickets/${enc(ticket.id)}`;
    try {
      let current = ticket;
      if (Object.keys(fields).length) current = await store.api.patch(base, { fields });
      if (!(current.missing_fields || []).length) current = await store.api.post(`${base}/confirm`, {});
      state.setTicket(current);
      if (current.mode === "saved") toast(`${KIND[current.kind]} ${current.id} saved.`, "ok");
    } catch (err) {
      error.textContent = err.message;
      try {
        state.setTicket(await store.api.get(base));
      } catch {
        // keep the form as it is; the error above says what went wrong
      }
    }
  };
  return h("form", { class: "ticket-form", on: { submit: save } },
    missingList,
    h("div", { class: "field" }, h("label", { htmlFor: "ticket-summary", text: "Summary" }), summary),
    rows,
    error,
    h("button", { type: "submit", class: "btn btn-primary", text: "Confirm + Save" }));
}
