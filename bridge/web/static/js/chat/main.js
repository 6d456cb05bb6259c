// The user's web chat (also the embeddable widget, /chat?embed=1): start a chat, see the queue
// position and estimated wait, talk with the agent, cancel. The chat survives a reload (the
// chat id and user token are kept in sessionStorage) and a dropped connection (the stream
// resumes after the last seq it delivered).

import { Api, RetryKey, enc, wsUrl } from "../api.js";
import { attachmentList } from "../attachments.js";
import { $, confirmDialog, fill, fmtDuration, fmtTime, h, safeLink } from "../dom.js";
import { loadFeatures } from "../features.js";
import { Stream } from "../stream.js";
import { FilePicker, limitsFrom } from "./files.js";
import { startChat } from "./start.js";
import { mountFeedback } from "./feedback.js";
import { mountTranscript } from "./transcript.js";

const SESSION_KEY = "livechat.userChat";

function loadSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

function saveSession(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

class ChatView {
  constructor(session, limits) {
    this.session = session;
    this.api = new Api({ token: session.token });
    this.base = `/api/v1/chats/${enc(session.chat_id)}`;
    this.retryKey = new RetryKey(); // the Idempotency-Key of the message being sent
    this.seen = new Set();
    this.features = {};
    this.agentNames = new Map();
    this.state = { status: "queued", position: null, estimated_wait: null, agent: null, cancelled: false };
    this.picker = new FilePicker($("#message-files"), $("#message-file-list"), limits, (msg) => this.error(msg));
  }

  error(message) {
    $("#talk-error").textContent = message || "";
  }

  async start(initial) {
    $("#talk").hidden = false;
    if (this.session.question) {
      $("#messages").append(h("li", { class: "bubble bubble-me" },
        h("div", { class: "bubble-head" }, h("span", { text: "You" })),
        h("p", { class: "bubble-text", text: this.session.question })));
    }
    if (initial) this.update(initial);
    this.wire();
    this.features = await loadFeatures();
    mountTranscript(this.api, this.base, this.session.chat_id, this.features);
    this.feedback = mountFeedback(this.api, this.base); // typing, read receipts, the survey
    try {
      this.update(await this.api.get(this.base));
      await this.catchUp();
    } catch (err) {
      if (err.status === 401 || err.status === 404) {
        sessionStorage.removeItem(SESSION_KEY);
        window.location.reload();
        return;
      }
      this.error(err.message);
    }
    this.stream = new Stream({
      url: (since) => wsUrl(`${this.base}/stream`, { token: this.session.token, since }),
      since: this.lastSeq(),
      onRow: (row) => this.receive(row),
      onStatus: (status) => {
        $("#chat-state").textContent = status === "live" ? "" : status === "reconnecting" ? "Reconnecting…" : "";
        if (status === "live") this.catchUp().catch(() => {});
      },
    });
    if (this.state.status !== "closed") this.stream.start();
    $("#message").focus();
  }

  lastSeq() {
    return this.seen.size ? Math.max(...this.seen) : 0;
  }

  async catchUp() {
    const data = await this.api.get(`${this.base}/events?since=${this.lastSeq()}`);
    for (const row of data.events || []) this.receive(row);
  }

  update(info) {
    for (const key of ["status", "position", "estimated_wait", "agent"]) if (key in info) this.state[key] = info[key];
    if (info.user_cancelled) this.state.cancelled = true;
    this.renderState();
  }

  receive(row) {
    if (row.type === "QueueUpdate") {
      this.update(row.payload || {});
      return;
    }
    if (row.type === "Typing") return this.feedback && this.feedback.typing(row);
    if (typeof row.seq !== "number" || this.seen.has(row.seq)) return;
    this.seen.add(row.seq);
    const p = row.payload || {};
    if (row.type === "ChatAssigned") {
      this.agentNames.set(row.agent_id, p.agent_name);
      this.update({ status: "assigned", agent: { screen_name: p.agent_name } });
    } else if (row.type === "ChatTransferred") this.update({ status: "queued", agent: null, position: null });
    else if (row.type === "ChatClosed") this.update({ status: "closed" });
    else if (row.type === "ChatCancelled") this.update({ user_cancelled: true });
    const li = this.renderRow(row);
    if (li) $("#messages").append(li);
    li && li.scrollIntoView({ block: "end" });
    if (this.feedback) this.feedback.row(row, li);
  }

  renderRow(row) {
    const p = row.payload || {};
    const time = h("time", { class: "stamp", text: fmtTime(row.at) });
    if (row.type === "MessagePosted") {
      const mine = p.sender === "user";
      const who = mine ? "You" : p.agent_name || this.agentNames.get(row.agent_id) || "Agent"; // agent_name: a supervisor
      return h("li", { class: `bubble ${mine ? "bubble-me" : "bubble-agent"}` },
        h("div", { class: "bubble-head" }, h("span", { text: who }), time),
        h("p", { class: "bubble-text", text: p.text || "" }),
        attachmentList(this.api, row.chat_id, p.attachments, (msg) => this.error(msg)));
    }
    if (row.type === "ArticleShared") {
      return h("li", { class: "bubble bubble-agent bubble-article" },
        h("div", { class: "bubble-head" }, h("span", { text: `${this.agentNames.get(row.agent_id) || "Agent"} shared an article` }), time),
        h("p", { class: "bubble-text" }, safeLink(p.url, p.title)));
    }
    if (row.type === "ScreenShareOffered") {
      return h("li", { class: "bubble bubble-agent bubble-article bubble-screen-share" },
        h("div", { class: "bubble-head" }, h("span", { text: `${this.agentNames.get(row.agent_id) || "Agent"} invites you to share your screen` }), time),
        h("p", { class: "bubble-text" }, safeLink(p.url, this.features.screen_share_label || "Join the screen-sharing session")));
    }
    if (row.type === "SystemMessage") return h("li", { class: "system" }, h("span", { text: p.text || "" }));
    if (row.type === "ChatCancelled") return h("li", { class: "system" }, h("span", { text: "You cancelled the chat." }));
    return null;
  }

  renderState() {
    const { status, position, estimated_wait: wait, agent, cancelled } = this.state;
    const info = $("#queue-info");
    const closed = status === "closed" || cancelled;
    if (closed) fill(info, h("strong", { text: cancelled ? "You cancelled this chat." : "This chat has ended." }));
    else if (status === "assigned") fill(info, h("strong", { text: `${(agent && agent.screen_name) || "An agent"} is chatting with you.` }));
    else {
      fill(info,
        h("strong", { text: position ? `You are number ${position} in the queue.` : "Waiting for an agent…" }),
        " ",
        h("span", { text: `Estimated wait: ${wait === null || wait === undefined ? "unknown" : `about ${fmtDuration(wait)}`}.` }));
    }
    info.dataset.status = closed ? "closed" : status;
    $("#send-form").hidden = closed;
    $("#cancel-button").hidden = closed;
    $("#new-chat-button").hidden = !closed;
    if (closed && this.stream) this.stream.stop();
  }

  wire() {
    const text = $("#message");
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("#send-form").requestSubmit();
      }
    });
    $("#send-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send().catch((err) => this.error(err.message));
    });
    $("#cancel-button").addEventListener("click", async () => {
      if (!(await confirmDialog("Cancel this chat? The agent will be told you left.", "Cancel chat"))) return;
      try {
        await this.api.post(`${this.base}/cancel`, {});
        this.update({ user_cancelled: true });
        await this.catchUp();
      } catch (err) {
        this.error(err.message);
      }
    });
    $("#new-chat-button").addEventListener("click", () => {
      sessionStorage.removeItem(SESSION_KEY);
      window.location.reload();
    });
  }

  async send() {
    const text = $("#message");
    const value = text.value.trim();
    const attachments = await this.picker.encoded();
    if (!value && !attachments.length) return;
    this.error("");
    const button = $("#send-button");
    button.disabled = true;
    try {
      const body = { text: value };
      if (attachments.length) body.attachments = attachments;
      try {
        await this.api.post(`${this.base}/messages`, body, this.retryKey.headers(body));
        this.retryKey.settle(null);
      } catch (err) {
        this.retryKey.settle(err); // a press of Send after a network failure retries safely
        throw err;
      }
      text.value = "";
      this.picker.clear();
      await this.catchUp();
    } finally {
      button.disabled = false;
      text.focus();
    }
  }
}

async function main() {
  const cfg = document.body.dataset;
  if (cfg.embed === "1") document.body.classList.add("embed");
  const limits = limitsFrom(cfg);
  let session = loadSession();
  let initial = null;
  if (!session) {
    initial = await startChat(cfg, limits);
    session = { chat_id: initial.chat_id, token: initial.user_token, question: initial.question };
    saveSession(session);
  }
  await new ChatView(session, limits).start(initial);
}

main().catch((err) => {
  $("#chat-state").textContent = `Something went wrong: ${err.message}`;
});
