// Issue 13: an offered chat (auto-accept with reservations). The prompt shows who is waiting,
// a countdown to the offer's timeout, Accept, and Decline with one of the configured reasons.
// A declined or timed-out chat goes to the next agent; the bridge decides, this only asks.

import { enc } from "../api.js";
import { $, fill, h, toast } from "../dom.js";
import { queueName } from "./lists.js";
import { loadPresence } from "./presence.js";
import { timeLeft } from "./routing_tags.js";

export function mountOffers(store) {
  const root = $("#offers");
  const until = new Map(); // chat id -> epoch seconds the offer ends (from ChatOffered rows)
  store.addEventListener("row", (event) => {
    const row = event.detail || {};
    if (row.type === "ChatOffered" && row.agent_id === store.me.agent_id) until.set(row.chat_id, row.payload.until);
  });
  const render = () => {
    const presence = store.presence;
    const offered = presence ? presence.offers : [];
    for (const chatId of offered) {
      // Offered before this page knew: count down from now (the bridge keeps the real time).
      if (!until.has(chatId)) until.set(chatId, Date.now() / 1000 + (presence.offer_timeout || 0));
    }
    root.hidden = offered.length === 0;
    fill(root, offered.map((chatId) => card(store, chatId, until.get(chatId), presence.decline_reasons)));
  };
  store.addEventListener("presence", render);
  store.addEventListener("lists", render);
  setInterval(() => tick(root), 1000);
}

function tick(root) {
  for (const el of root.querySelectorAll("[data-until]")) {
    el.textContent = timeLeft(Number(el.dataset.until));
  }
}

function card(store, chatId, until, reasons) {
  const summary = store.lists.queue.find((s) => s.chat_id === chatId) || {};
  const who = (summary.customer && summary.customer.name) || "A customer";
  const reason = h("select", { id: `decline-reason-${chatId}`, class: "decline-reason" },
    reasons.map((r) => h("option", { value: r, text: r })));
  const act = async (path, body, done) => {
    try {
      await store.api.post(`/api/v1/agent/chats/${enc(chatId)}/offer/${path}`, body);
      await Promise.all([store.loadLists(), done(), loadPresence(store)]);
    } catch (err) {
      toast(`Offer not ${path}ed: ${err.message}`);
    }
  };
  return h(
    "section",
    { class: "offer-card", attrs: { "aria-label": `Chat offered: ${who}`, "data-chat-id": chatId } },
    h("p", { class: "offer-title" }, h("strong", { text: `Chat offered: ${who}` }),
      summary.queue ? ` · ${queueName(summary.queue)}` : "",
      h("span", { class: "offer-countdown", text: timeLeft(until), attrs: { "data-until": String(until) } })),
    summary.question ? h("p", { class: "offer-question", text: summary.question }) : null,
    h("div", { class: "offer-buttons" },
      h("button", { type: "button", class: "btn btn-primary", text: "Accept",
        on: { click: () => act("accept", {}, () => store.select(chatId)) } }),
      h("label", { htmlFor: reason.id, text: "Reason" }), reason,
      h("button", { type: "button", class: "btn", text: "Decline",
        on: { click: () => act("decline", { reason: reason.value }, async () => {}) } })),
  );
}
