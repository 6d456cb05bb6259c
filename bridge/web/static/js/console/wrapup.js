// Issue 13: after End Chat the agent's slot is in wrap-up (after-chat work) until the
// queue's wrap_up time passes or the agent clicks Ready; the countdown shows how long is left.

import { $, fill, h, toast } from "../dom.js";
import { loadPresence } from "./presence.js";
import { timeLeft as left } from "./routing_tags.js";

export function mountWrapUp(store) {
  const root = $("#wrap-up");
  const render = () => {
    const wraps = store.presence ? store.presence.wrap_ups : [];
    root.hidden = wraps.length === 0;
    if (!wraps.length) return fill(root);
    const ready = async (chatId) => {
      try {
        await store.api.post("/api/v1/agent/ready", chatId ? { chat_id: chatId } : {});
        await loadPresence(store);
      } catch (err) {
        toast(`Not ready: ${err.message}`);
      }
    };
    fill(root,
      h("strong", { text: "Wrap-up" }),
      wraps.map((w) => h("span", { class: "wrap-up-item", attrs: { "data-chat-id": w.chat_id } },
        h("span", { class: "wrap-up-countdown", text: left(w.until), attrs: { "data-until": w.until === null ? null : String(w.until) } }))),
      h("button", { type: "button", id: "ready", class: "btn btn-primary", text: "Ready", on: { click: () => ready(null) } }));
  };
  store.addEventListener("presence", render);
  setInterval(() => {
    for (const el of root.querySelectorAll("[data-until]")) el.textContent = left(Number(el.dataset.until));
  }, 1000);
}
