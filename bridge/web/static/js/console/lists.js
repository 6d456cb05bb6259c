// The left column: Queue / Transferred tabs with their live counts, and My chats with unread
// markers. Clicking a chat opens it in the conversation pane.

import { $, fill, fmtDuration, h, wireTabs } from "../dom.js";
import { routingSpoken, routingTags } from "./routing_tags.js";

const SOURCE = { self_service: "Web", virtual_agent: "Virtual agent" };

export function mountLists(store) {
  let tab = "queue";
  wireTabs($(".lists .tabs"), (button) => {
    tab = button.dataset.list;
    $("#panel-incoming").setAttribute("aria-labelledby", button.id);
    renderIncoming();
  });

  const open = (chatId) => store.select(chatId).catch((err) => store.emit("error", err));

  const renderIncoming = () => {
    const chats = store.lists[tab];
    const label = tab === "queue" ? "No chats waiting." : "No chats transferred to you.";
    fill($("#incoming-list"), chats.length ? chats.map((s) => item(store, s, open, false)) : h("li", { class: "list-empty", text: label }));
  };
  const title = document.title;
  const renderMine = () => {
    const chats = store.lists.mine;
    const unread = [...store.unread.values()].reduce((a, b) => a + b, 0);
    document.title = unread ? `(${unread}) ${title}` : title;
    fill($("#my-chats"), chats.length ? chats.map((s) => item(store, s, open, true)) : h("li", { class: "list-empty", text: "No chats yet." }));
  };
  const renderCounts = () => {
    $("#count-queue").textContent = String(store.counts.queue ?? store.lists.queue.length);
    $("#count-transferred").textContent = String(store.counts.transferred ?? store.lists.transferred.length);
    $("#count-mine").textContent = String(store.counts.my_chats ?? store.lists.mine.length);
  };
  const renderAll = () => {
    renderIncoming();
    renderMine();
  };

  store.addEventListener("lists", renderAll);
  store.addEventListener("select", renderAll);
  store.addEventListener("unread", renderMine);
  store.addEventListener("counts", renderCounts);
  renderCounts();
  renderAll();
  // Waiting times move on even when nothing happens.
  setInterval(renderIncoming, 30000);
}

function item(store, summary, open, mine) {
  const unread = store.unread.get(summary.chat_id) || 0;
  const selected = store.selected === summary.chat_id;
  const customer = (summary.customer && summary.customer.name) || "Customer";
  const waiting = summary.waiting_since ? fmtDuration(Date.now() / 1000 - summary.waiting_since) : "";
  const tags = [
    h("span", { class: "tag", text: SOURCE[summary.source] || summary.source }),
    summary.transferred ? h("span", { class: "tag tag-info", text: "Transferred" }) : null,
    ...routingTags(summary, store.me.agent_id), // issue 13: VIP, skills, offers
    summary.user_cancelled ? h("span", { class: "tag tag-warn", text: "Cancelled by user" }) : null,
    unread ? h("span", { class: "unread", text: String(unread), attrs: { "aria-hidden": "true" } }) : null,
  ];
  const meta = `${summary.company} · ${queueName(summary.queue)}${!mine && waiting ? ` · waiting ${waiting}` : ""}`;
  const spoken = [customer, SOURCE[summary.source] || summary.source, summary.question, meta,
    summary.transferred ? "transferred" : "", summary.user_cancelled ? "cancelled by the user" : "",
    unread ? `${unread} unread` : "", ...routingSpoken(summary)].filter(Boolean).join(", ");
  return h(
    "li",
    { class: `chat-item${selected ? " selected" : ""}${unread ? " has-unread" : ""}` },
    h(
      "button",
      {
        type: "button",
        class: "chat-item-button",
        attrs: { "aria-current": selected ? "true" : null, "aria-label": spoken, "data-chat-id": summary.chat_id },
        on: { click: () => open(summary.chat_id) },
      },
      h("span", { class: "chat-item-top" }, h("strong", { class: "chat-item-name", text: customer }), tags),
      h("span", { class: "chat-item-question", text: summary.question || "(no question)" }),
      h("span", { class: "chat-item-meta", text: meta }),
    ),
  );
}

export function queueName(key) {
  if (!key) return "";
  const i = key.lastIndexOf("/");
  return i >= 0 ? key.slice(i + 1) : key;
}
