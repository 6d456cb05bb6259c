// Supervise (issue 16 item 7): for an agent whose token carries the supervisor role, a view of
// every live chat of their queues with live counts per queue and per agent (GET
// /api/v1/supervise, polled while the view is open), a chat read live from its supervisor
// stream (WS /api/v1/supervise/chats/{id}/stream, notes and whispers included), and the
// actions: whisper to the agent, barge in, write to the user after barging in, take over,
// reassign. Every rule is the bridge's; a refusal is shown as its sentence.
// Agents without the role never see the Supervise button (the first GET is refused).

import { enc, wsUrl } from "../api.js";
import { $, fill, h, toast } from "../dom.js";
import { Stream } from "../stream.js";
import { syncHistory } from "./history.js";

const POLL_MS = 2000;
const S = "/api/v1/supervise";

export async function mountSupervise(store, token) {
  store.addEventListener("row", (event) => tellWhisper(store, event.detail));
  let first;
  try {
    first = await store.api.get(S);
  } catch {
    return; // not a supervisor: no Supervise view
  }
  const view = new SuperviseView(store, token);
  view.render(first);
  const toggle = h("button", { type: "button", class: "btn btn-quiet", id: "supervise-toggle", text: "Supervise", attrs: { "aria-pressed": "false" } });
  toggle.addEventListener("click", () => view.show(toggle.getAttribute("aria-pressed") !== "true", toggle));
  $("#signout").before(toggle);
  $(".layout").after(view.root);
}

/** The agent holding a chat learns of a whisper at once, whichever chat is open. */
function tellWhisper(store, row) {
  if (row.type !== "SupervisorWhispered" || !row.payload || row.payload.to_agent !== store.me.agent_id) return;
  toast(`Whisper from ${store.agentName(row.agent_id)}: ${row.payload.text}`);
}

class SuperviseView {
  constructor(store, token) {
    this.store = store;
    this.token = token;
    this.timer = null;
    this.stream = null;
    this.chat = null; // {id, rows, seqs, summary}
    this.queues = h("table", { class: "supervise-table", id: "supervise-queues", attrs: { "aria-label": "Queues" } });
    this.agents = h("table", { class: "supervise-table", id: "supervise-agents", attrs: { "aria-label": "Agents" } });
    this.list = h("ul", { class: "chat-list", id: "supervise-chats", attrs: { "aria-label": "Live chats of my queues" } });
    this.title = h("h2", { id: "supervise-title" });
    this.history = h("ol", { class: "history", id: "supervise-history", attrs: { role: "log", "aria-label": "Supervised chat" } });
    this.target = h("select", { id: "supervise-target", attrs: { "aria-label": "Reassign to" } });
    this.mode = h("select", { id: "supervise-mode", attrs: { "aria-label": "Send as" } },
      h("option", { value: "whisper", text: "Whisper to the agent" }),
      h("option", { value: "messages", text: "Message to the user" }));
    this.text = h("textarea", { id: "supervise-text", rows: 2, maxLength: 4000, attrs: { "aria-label": "Supervisor message" } });
    this.text.addEventListener("keydown", (event) => { // Enter sends, Shift+Enter: a new line
      if (event.key === "Enter" && !event.shiftKey) this.send(event);
    });
    this.pane = h("div", { class: "supervise-chat", id: "supervise-chat", hidden: true },
      this.title,
      h("div", { class: "chat-actions", role: "toolbar", attrs: { "aria-label": "Supervisor actions" } },
        this.button("Barge in", () => this.act("barge-in")),
        this.button("Take over", () => this.takeOver()),
        this.target,
        this.button("Reassign", () => this.reassign())),
      this.history,
      h("form", { class: "composer", id: "supervise-composer", on: { submit: (e) => this.send(e) } },
        this.mode, this.text, h("button", { type: "submit", class: "btn btn-primary", text: "Send" })));
    this.root = h("section", { id: "supervise", class: "supervise", hidden: true, attrs: { "aria-label": "Supervise" } },
      h("div", { class: "supervise-counts" }, this.queues, this.agents),
      h("div", { class: "supervise-main" }, this.list, this.pane));
  }

  button(text, onClick) {
    return h("button", { type: "button", class: "btn", text, on: { click: () => onClick().catch((err) => toast(err.message)) } });
  }

  show(open, toggle) {
    toggle.setAttribute("aria-pressed", String(open));
    toggle.textContent = open ? "Back to my chats" : "Supervise";
    this.root.hidden = !open;
    $(".layout").hidden = open;
    clearInterval(this.timer);
    if (open) {
      this.refresh();
      this.timer = setInterval(() => this.refresh(), POLL_MS);
    } else this.close();
  }

  async refresh() {
    try {
      this.render(await this.store.api.get(S));
    } catch (err) {
      toast(err.message);
    }
  }

  render(doc) {
    fill(this.queues, h("caption", { text: "Per queue" }), h("tr", {}, ["Queue", "Waiting", "Assigned"].map((t) => h("th", { text: t }))),
      doc.queues.map((q) => h("tr", { attrs: { "data-queue": q.queue } }, h("td", { text: q.queue }), h("td", { text: q.waiting }), h("td", { text: q.assigned }))));
    fill(this.agents, h("caption", { text: "Per agent (chats of my queues)" }), h("tr", {}, ["Agent", "Present", "Chats"].map((t) => h("th", { text: t }))),
      doc.agents.map((a) => h("tr", { attrs: { "data-agent": a.agent_id } }, h("td", { text: a.display_name }), h("td", { text: a.present ? "yes" : "no" }), h("td", { text: `${a.chats} / ${a.capacity}` }))));
    fill(this.list, doc.chats.length ? doc.chats.map((c) => this.item(c)) : h("li", { class: "list-empty", text: "No live chat in your queues." }));
    if (this.chat) {
      const now = doc.chats.find((c) => c.chat_id === this.chat.id);
      if (now) this.describe(now);
    }
  }

  /** A live chat as the console's lists show one (chat-item), with its queue and holder. */
  item(c) {
    const selected = !!this.chat && this.chat.id === c.chat_id;
    const where = c.status === "assigned" ? `with ${this.store.agentName(c.agent_id)}` : "waiting";
    return h("li", { class: `chat-item${selected ? " selected" : ""}` }, h("button", {
      type: "button", class: "chat-item-button", attrs: { "aria-current": selected ? "true" : null },
      on: { click: () => this.open(c) },
    },
    h("span", { class: "chat-item-top" }, h("strong", { class: "chat-item-name", text: (c.customer && c.customer.name) || "Customer" }),
      h("span", { class: c.status === "assigned" ? "tag" : "tag tag-info", text: where })),
    h("span", { class: "chat-item-question", text: c.question || "(no question)" }),
    h("span", { class: "chat-item-meta", text: c.queue })));
  }

  describe(summary) {
    this.chat.summary = summary;
    const holder = summary.agent_id ? `with ${this.store.agentName(summary.agent_id)}` : "waiting";
    this.title.textContent = `${(summary.customer && summary.customer.name) || "Customer"} · ${summary.queue} · ${holder}`;
    const company = `${summary.company}/`;
    const others = (a) => a.agent_id !== summary.agent_id && a.agent_id !== this.store.me.agent_id; // Take over is mine
    const agents = this.store.directory.agents.filter((a) => others(a) && a.queues.some((q) => q.startsWith(company)));
    const queues = this.store.directory.queues.filter((q) => q.startsWith(company));
    const chosen = this.target.value;
    fill(this.target, agents.map((a) => h("option", { value: `agent:${a.agent_id}`, text: a.display_name })),
      queues.map((q) => h("option", { value: `queue:${q}`, text: q })));
    if ([...this.target.options].some((o) => o.value === chosen)) this.target.value = chosen;
  }

  open(summary) {
    this.close();
    this.chat = { id: summary.chat_id, rows: [], seqs: new Set(), summary };
    fill(this.history);
    this.pane.hidden = false;
    this.describe(summary);
    this.store.loadDirectory().then(() => this.chat && this.describe(this.chat.summary)).catch(() => {});
    const chat = this.chat;
    this.stream = new Stream({
      url: (since) => wsUrl(`${S}/chats/${enc(chat.id)}/stream`, { token: this.token, since: since || null }),
      onRow: (row) => {
        if (this.store.addRow(chat, row)) syncHistory(this.history, chat, this.store);
      },
      onRepeatedFailure: async () => false, // out of reach now (closed or moved): stop
    });
    this.stream.start();
  }

  close() {
    if (this.stream) this.stream.stop();
    this.stream = null;
  }

  async act(path, body = {}) {
    const result = await this.store.api.post(`${S}/chats/${enc(this.chat.id)}/${path}`, body);
    await this.refresh();
    return result;
  }

  async send(event) {
    event.preventDefault();
    const text = this.text.value.trim();
    if (!text || !this.chat) return;
    try {
      await this.act(this.mode.value, { text });
      this.text.value = "";
    } catch (err) {
      toast(err.message);
    }
  }

  async takeOver() {
    const chatId = this.chat.id;
    await this.act("take-over");
    toast("The chat is yours now");
    $("#supervise-toggle").click(); // back to my chats, where it is listed
    await this.store.loadLists();
    await this.store.select(chatId);
  }

  async reassign() {
    const [kind, ...rest] = this.target.value.split(":");
    if (!rest.length) return;
    await this.act("reassign", { [kind === "agent" ? "to_agent" : "to_queue"]: rest.join(":") });
    toast(`Chat reassigned to ${this.target.selectedOptions[0].textContent}`);
  }
}
