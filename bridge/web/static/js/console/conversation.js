// The center pane: the selected chat's header and actions, its history and the composer.

import { RetryKey } from "../api.js";
import { $, fill, h, toast } from "../dom.js";
import { abandon, transfer } from "./actions.js";
import { mountCanned } from "./canned.js";
import { endChat } from "./end.js";
import { mountComposerFiles } from "./files.js";
import { clearHistory, syncHistory } from "./history.js";
import { queueName } from "./lists.js";
import { OPEN } from "./store.js";

const SOURCE = { self_service: "Self-service web", virtual_agent: "Virtual agent" };

export function mountConversation(store) {
  let shown = null;
  const render = () => {
    const chatId = store.selected;
    const chat = chatId && store.chats.get(chatId);
    $("#conversation-empty").hidden = !!chatId;
    $("#conversation-body").hidden = !chatId;
    if (!chat || !chat.summary) return;
    if (shown !== chatId) {
      clearHistory($("#history"));
      shown = chatId;
    }
    renderHeader(store, chat.summary);
    syncHistory($("#history"), chat, store);
    const mine = store.isMine(chat.summary);
    $("#composer").hidden = !mine;
    files.show(chat.summary.source === "self_service");
    // The placeholder follows the chat's source: composer_hint.js.
  };
  store.addEventListener("select", render);
  store.addEventListener("chat", (event) => {
    if (event.detail === store.selected) render();
  });
  store.addEventListener("directory", render);
  const files = mountComposerFiles(store);
  mountComposer(store, files);
  mountCanned(store);
}

function renderHeader(store, summary) {
  const customer = (summary.customer && summary.customer.name) || "Customer";
  fill($("#chat-title"), customer);
  fill($("#chat-meta"),
    h("span", { text: summary.company }), " · ",
    h("span", { text: queueName(summary.queue), attrs: { title: "Support queue" } }), " · ",
    h("span", { class: "tag", text: SOURCE[summary.source] || summary.source }), " · ",
    h("span", { class: `status status-${summary.status}`, text: statusText(store, summary) }));
  fill($("#chat-actions"), actionButtons(store, summary));
  const notice = $("#chat-notice");
  notice.hidden = !summary.user_cancelled;
  notice.textContent = summary.user_cancelled ? "End user has cancelled chat." : "";
}

function statusText(store, summary) {
  if (summary.status === "closed") return "Closed";
  if (summary.status === "queued") return summary.transferred ? "Transferred, waiting" : "Waiting";
  if (summary.agent_id === store.me.agent_id) return "Assigned to you";
  return `Assigned to ${store.agentName(summary.agent_id)}`;
}

function button(text, className, handler, label) {
  return h("button", { type: "button", class: `btn ${className}`, text, attrs: { "aria-label": label || null }, on: { click: handler } });
}

function actionButtons(store, summary) {
  const id = summary.chat_id;
  const run = (fn) => async (event) => {
    const el = event.currentTarget;
    el.disabled = true;
    try {
      await fn();
    } catch (err) {
      toast(err.message);
    } finally {
      el.disabled = false;
    }
  };
  if (!OPEN.has(summary.status)) return [h("span", { class: "muted", text: "This chat is closed." })];
  if (!store.isMine(summary)) {
    // Only what my Queue or Transferred list offers me can be accepted.
    if (!store.canAccept(id)) return [];
    return [button("Accept", "btn-primary", run(async () => {
      await store.act(id, "accept");
      $("#composer-text").focus();
    }))];
  }
  return [
    button("Transfer", "", run(() => transfer(store, id))),
    store.features && store.features.screen_share
      ? button("Screen share", "", run(() => store.act(id, "screen-share", {})), "Send a screen-share link")
      : null,
    button("End Chat", "btn-primary", run(() => endChat(store, id))),
    button("Abandon", "btn-danger", run(() => abandon(store, id))),
  ];
}

function mountComposer(store, files) {
  const form = $("#composer");
  const text = $("#composer-text");
  const noteMode = $("#note-mode");
  const send = $("#composer-send");
  const retryKey = new RetryKey();
  const syncMode = () => {
    send.textContent = noteMode.checked ? "Add note" : "Send";
    form.classList.toggle("note-mode", noteMode.checked);
    $('label[for="composer-text"]').textContent = noteMode.checked ? "Note for agents" : "Message to the user";
  };
  noteMode.addEventListener("change", syncMode);
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = text.value.trim();
    const chatId = store.selected;
    const note = noteMode.checked;
    const attachments = note ? [] : await files.encoded();
    if ((!value && !attachments.length) || !chatId) return;
    send.disabled = true;
    const body = { text: value };
    if (attachments.length) body.attachments = attachments;
    // Messages carry an Idempotency-Key: a Send pressed again after a network failure
    // retries the same message instead of posting it twice.
    const headers = note ? {} : retryKey.headers({ chatId, ...body });
    try {
      await store.act(chatId, note ? "notes" : "messages", body, headers);
      if (!note) retryKey.settle(null);
      text.value = "";
      if (!note) files.clear();
    } catch (err) {
      if (!note) retryKey.settle(err);
      toast(err.message);
    } finally {
      send.disabled = false;
      text.focus();
    }
  });
  syncMode();
}
