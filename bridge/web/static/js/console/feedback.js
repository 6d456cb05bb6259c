// The console's side of issue 16 items 2 and 5: the agent's typing goes to the user, the user's
// typing shows under the history, the user's messages are marked read while the agent looks at
// them, the agent's messages the user read say "Read", and a post-chat rating shows in the
// history (feedbackRow, called by history.js).

import { enc } from "../api.js";
import { $, h } from "../dom.js";
import { TypingIndicator, TypingSender } from "../typing.js";

export function mountFeedback(store) {
  const el = h("p", { id: "typing-indicator", class: "typing-indicator muted small", attrs: { "aria-live": "polite" } });
  $("#history").after(el);
  const indicator = new TypingIndicator(el);
  const path = (chatId, what) => `/api/v1/agent/chats/${enc(chatId)}/${what}`;
  let typingIn = null; // the chat the agent's notices are about
  const sender = new TypingSender((on) => store.api.post(path(typingIn, "typing"), { typing: on }));
  const text = $("#composer-text");
  text.addEventListener("input", () => {
    const summary = store.summary(store.selected);
    if ($("#note-mode").checked || !store.isMine(summary) || !text.value.trim()) return sender.stop();
    if (typingIn !== store.selected) sender.stop();
    typingIn = store.selected;
    sender.typed();
  });
  $("#composer").addEventListener("submit", () => sender.stop());
  const told = new Map(); // chat id -> the highest message number marked read

  const markRead = () => {
    const chatId = store.selected;
    const chat = chatId && store.chats.get(chatId);
    if (!chat || !store.isMine(chat.summary) || document.visibilityState !== "visible") return;
    const last = Math.max(0, ...chat.rows.filter((r) => r.type === "MessagePosted" && r.payload.sender === "user").map((r) => r.payload.n));
    if (last <= (told.get(chatId) || 0)) return;
    told.set(chatId, last);
    store.api.post(path(chatId, "read"), { up_to: last }).catch(() => told.delete(chatId));
  };
  const showReceipts = () => {
    const chat = store.selected && store.chats.get(store.selected);
    if (!chat) return;
    const upTo = Math.max(0, ...chat.rows.filter((r) => r.type === "MessagesRead" && r.payload.reader === "user").map((r) => r.payload.up_to));
    for (const row of chat.rows) {
      if (row.type !== "MessagePosted" || row.payload.sender !== "agent" || row.payload.n > upTo) continue;
      const li = $(`#history li[data-seq="${row.seq}"]`);
      if (li && !li.querySelector(".read-receipt")) {
        li.querySelector(".msg-head").append(h("span", { class: "read-receipt", text: "Read", attrs: { title: "The user has read this" } }));
      }
    }
  };
  store.addEventListener("row", (event) => {
    const row = event.detail;
    if (row.chat_id !== store.selected) return;
    if (row.type === "Typing") indicator.notice(row, store.summary(row.chat_id)?.customer?.name);
    else if (row.type === "MessagePosted" && row.payload && row.payload.sender === "user") indicator.hide();
    else if (row.type === "ChatClosed") indicator.hide();
  });
  store.addEventListener("select", () => indicator.hide());
  // After the history re-rendered (history.js listens first): receipts both ways.
  store.addEventListener("chat", (event) => {
    if (event.detail !== store.selected) return;
    setTimeout(() => {
      showReceipts();
      markRead();
    });
  });
  document.addEventListener("visibilitychange", markRead);
}

/** The history line of a post-chat survey answer, or null for any other row. */
export function feedbackRow(row, line) {
  if (row.type !== "SurveyAnswered") return null;
  const p = row.payload || {};
  const by = p.by === "virtual_agent" ? "The virtual agent's user" : "The user";
  const li = line(row, `${by} rated this chat ${p.rating} of 5${p.comment ? `: “${p.comment}”` : ""}`);
  li.classList.add("msg-survey");
  return li;
}
