// The console's state: who I am, the counts, the three lists, the chats I have opened (with
// their history), unread markers. Views subscribe to its events; nothing else holds state.
// Events: "me", "counts", "lists", "chat" (detail: chat id: summary or history changed),
// "select", "unread", "row" (each stream row), "ticket" (a ticket changed from the console).

import { enc } from "../api.js";

const LIST_PATHS = { queue: "queue", transferred: "transferred", mine: "chats" };
// Rows that move chats between the lists (or change their status).
const LIST_TYPES = new Set([
  "ChatOpened", "ChatAssigned", "ChatTransferred", "ChatOverflowed", "ChatRequeued",
  "ChatCancelled", "ChatClosed", "TicketLinked",
]);
// Rows that carry the text the history shows.
const TEXT_TYPES = new Set(["MessagePosted", "NoteAdded", "SystemMessage"]);

export const OPEN = new Set(["queued", "assigned"]);

export class ConsoleStore extends EventTarget {
  constructor(api, me) {
    super();
    this.api = api;
    this.me = me;
    this.counts = me.counts || { queue: 0, transferred: 0, my_chats: 0 };
    this.lists = { queue: [], transferred: [], mine: [] };
    this.chats = new Map(); // chat id -> {summary, rows: [], seqs: Set}
    this.unread = new Map(); // chat id -> number of user messages not yet seen
    this.selected = null;
    this.directory = { agents: [], queues: [] };
    this.timers = new Map();
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Run fn once after a short quiet period, however often it is asked for meanwhile. */
  soon(key, fn, delay = 120) {
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      fn().catch((err) => this.emit("error", err));
    }, delay));
  }

  async loadMe() {
    this.me = await this.api.get("/api/v1/agent/me");
    if (this.me.counts) this.setCounts(this.me.counts);
    this.emit("me", this.me);
  }

  setCounts(counts) {
    this.counts = { ...this.counts, ...counts };
    this.emit("counts", this.counts);
  }

  async loadLists() {
    const names = Object.keys(LIST_PATHS);
    const results = await Promise.all(names.map((n) => this.api.get(`/api/v1/agent/${LIST_PATHS[n]}`)));
    names.forEach((name, i) => {
      this.lists[name] = results[i].chats || [];
    });
    for (const summary of Object.values(this.lists).flat()) {
      const chat = this.chats.get(summary.chat_id);
      if (chat) chat.summary = summary;
    }
    this.emit("lists", this.lists);
    if (this.selected) this.emit("chat", this.selected);
  }

  async loadCounts() {
    this.setCounts(await this.api.get("/api/v1/agent/counts"));
  }

  async loadDirectory() {
    this.directory = await this.api.get("/api/v1/agent/directory");
    this.emit("directory", this.directory);
  }

  agentName(agentId) {
    if (!agentId) return "";
    if (agentId === this.me.agent_id) return this.me.display_name || "You";
    const agent = this.directory.agents.find((a) => a.agent_id === agentId);
    return agent ? agent.display_name : agentId;
  }

  /** Fetch a chat's summary and whole history (notes included) and make it the selected one. */
  async select(chatId) {
    this.selected = chatId;
    this.unread.delete(chatId);
    this.emit("select", chatId);
    this.emit("unread", chatId);
    await this.refreshChat(chatId);
  }

  async refreshChat(chatId) {
    const data = await this.api.get(`/api/v1/agent/chats/${enc(chatId)}`);
    const chat = this.chats.get(chatId) || { rows: [], seqs: new Set() };
    chat.summary = data.chat;
    for (const row of data.history || []) this.addRow(chat, row);
    this.chats.set(chatId, chat);
    this.emit("chat", chatId);
  }

  addRow(chat, row) {
    if (typeof row.seq !== "number" || chat.seqs.has(row.seq)) return false;
    chat.seqs.add(row.seq);
    chat.rows.push(row);
    if (chat.rows.length > 1 && chat.rows[chat.rows.length - 2].seq > row.seq) {
      chat.rows.sort((a, b) => a.seq - b.seq);
    }
    return true;
  }

  summary(chatId) {
    const chat = this.chats.get(chatId);
    if (chat && chat.summary) return chat.summary;
    return Object.values(this.lists).flat().find((s) => s.chat_id === chatId) || null;
  }

  canAccept(chatId) {
    return [...this.lists.queue, ...this.lists.transferred].some((s) => s.chat_id === chatId);
  }

  isMine(summary) {
    return !!summary && summary.agent_id === this.me.agent_id && OPEN.has(summary.status);
  }

  /** One row from the agent stream (also told to listeners as a "row" event: notify.js). */
  applyRow(row) {
    this.emit("row", row);
    if (row.type === "Counts") {
      this.setCounts(row.payload || {});
      return;
    }
    const chatId = row.chat_id;
    if (!chatId) return;
    const chat = this.chats.get(chatId);
    if (chat) {
      const complete = !TEXT_TYPES.has(row.type) || (row.payload && "text" in row.payload);
      if (complete && this.addRow(chat, row)) this.emit("chat", chatId);
      else if (!complete) this.soon(`chat:${chatId}`, () => this.refreshChat(chatId));
      if (row.type === "ChatCancelled" && chat.summary) {
        chat.summary.user_cancelled = true;
        this.emit("chat", chatId);
      }
    }
    if (row.type === "MessagePosted" && row.payload && row.payload.sender === "user" && chatId !== this.selected) {
      this.unread.set(chatId, (this.unread.get(chatId) || 0) + 1);
      this.emit("unread", chatId);
    }
    if (LIST_TYPES.has(row.type)) {
      this.soon("lists", () => this.loadLists());
      if (chat) this.soon(`chat:${chatId}`, () => this.refreshChat(chatId));
    }
  }

  /** After the stream resumed: whatever the missed rows did, make lists and counts current. */
  async resync() {
    await Promise.all([this.loadLists(), this.loadCounts()]);
    if (this.selected) await this.refreshChat(this.selected);
  }

  /**
   * Run an agent action on a chat, then bring the chat and the lists up to date. Only the
   * action's own failure rejects: once it is done, a refresh that fails is reported as an
   * error event, so a caller never shows a done action as failed.
   */
  async act(chatId, path, body = {}, headers = {}) {
    const result = await this.api.post(`/api/v1/agent/chats/${enc(chatId)}/${path}`, body, headers);
    try {
      await Promise.all([this.refreshChat(chatId), this.loadLists()]);
    } catch (err) {
      this.emit("error", err);
    }
    return result;
  }
}
