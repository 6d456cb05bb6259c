// One chat's history as the agent sees it: messages, the agents' notes (a transferred chat
// shows the previous agent's notes, marked as such), system lines, shared articles.
// The list is synced incrementally (one <li> per event seq) so the aria-live log announces only
// what is new and the scroll position survives updates.

import { attachmentList } from "../attachments.js";
import { fill, fmtTime, h, safeLink, toast } from "../dom.js";
import { feedbackRow } from "./feedback.js";
import { supervisionRow } from "./supervision_rows.js";

const CLOSED = {
  ended: "Chat ended",
  abandoned: "Chat abandoned",
  cancelled: "Chat cancelled by the user",
  no_agent: "Closed: no agent available",
  inactive: "Closed after inactivity",
};

/** Add the rows of `chat` not yet in `list`, in seq order. */
export function syncHistory(list, chat, store) {
  const present = new Map([...list.children].map((li) => [Number(li.dataset.seq), li]));
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  let added = false;
  for (const row of chat.rows) {
    if (present.has(row.seq)) continue;
    const li = renderRow(row, chat, store);
    if (!li) continue;
    li.dataset.seq = String(row.seq);
    const next = [...list.children].find((el) => Number(el.dataset.seq) > row.seq);
    list.insertBefore(li, next || null);
    added = true;
  }
  if (added && (nearBottom || list.children.length < 4)) list.scrollTop = list.scrollHeight;
}

function stamp(row) {
  return h("time", { class: "stamp", dateTime: new Date(row.at * 1000).toISOString(), text: fmtTime(row.at) });
}

function bubble(kind, who, row, ...body) {
  return h("li", { class: `msg msg-${kind}` }, h("div", { class: "msg-head" }, h("span", { class: "who", text: who }), stamp(row)), ...body);
}

function renderRow(row, chat, store) {
  const p = row.payload || {};
  const customer = (chat.summary && chat.summary.customer && chat.summary.customer.name) || "Customer";
  switch (row.type) {
    case "ChatOpened": {
      const transcript = (p.detail && p.detail.transcript) || [];
      return h("li", { class: "msg msg-opened" },
        h("div", { class: "msg-head" }, h("span", { class: "who", text: `${customer} started the chat` }), stamp(row)),
        h("p", { class: "msg-text", text: p.question || "" }),
        attachmentList(store.api, row.chat_id, p.detail && p.detail.attachments, toast),
        transcript.length ? h("details", { class: "transcript" },
          h("summary", { text: `Conversation with the virtual agent (${transcript.length})` }),
          h("ol", {}, transcript.map((t) => h("li", { class: `transcript-${t.from}` }, h("strong", { text: `${t.from === "bot" ? "Bot" : customer}: ` }), t.text)))) : null);
    }
    case "MessagePosted": {
      const mine = p.sender === "agent";
      const who = mine ? store.agentName(row.agent_id) : customer;
      return bubble(mine ? "agent" : "user", who, row, h("p", { class: "msg-text", text: p.text || "" }), attachmentList(store.api, row.chat_id, p.attachments, toast));
    }
    case "NoteAdded": {
      const author = row.agent_id ? store.agentName(row.agent_id) : "System";
      const previous = row.agent_id && row.agent_id !== store.me.agent_id;
      return bubble("note", `Note · ${author}${previous ? " (previous agent)" : ""}`, row, h("p", { class: "msg-text", text: p.text || "" }));
    }
    case "ChatTransferred": {
      const target = p.to_agent ? store.agentName(p.to_agent) : p.to_queue;
      return bubble("note", `Transfer note · ${store.agentName(row.agent_id)} → ${target}`, row, h("p", { class: "msg-text", text: p.note || "(no note)" }));
    }
    case "SystemMessage":
      return h("li", { class: `msg msg-system${p.audience === "agents" ? " msg-agents" : ""}${p.kind === "user_cancelled" ? " msg-cancelled" : ""}` },
        h("span", { text: p.text || "" }), stamp(row));
    case "ArticleShared":
      return bubble("article", `${store.agentName(row.agent_id)} shared an article`, row,
        h("p", { class: "msg-text" }, safeLink(p.url, p.title)));
    case "ScreenShareOffered":
      return bubble("article", `${store.agentName(row.agent_id)} sent a screen-share link`, row,
        h("p", { class: "msg-text" }, safeLink(p.url, p.url)));
    case "ArticlePinned":
      return systemLine(row, `Article ${p.article_id} pinned to ${p.ticket_id}`);
    case "TicketLinked":
      return systemLine(row, `${p.kind === "work_order" ? "Work order" : "Incident"} ${p.ticket_id} created`);
    case "TicketStatusChanged":
      return systemLine(row, `Ticket ${p.ticket_id} is now ${p.status}${p.reason ? ` (${p.reason})` : ""}`);
    case "ChatClosed":
      return systemLine(row, CLOSED[p.reason] || `Chat closed (${p.reason})`);
    default:
      return supervisionRow(row, store, bubble, systemLine, (text) => h("p", { class: "msg-text", text: text || "" }))
        || feedbackRow(row, systemLine);
  }
}

function systemLine(row, text) {
  return h("li", { class: "msg msg-system" }, h("span", { text }), stamp(row));
}

export function clearHistory(list) {
  fill(list);
}
