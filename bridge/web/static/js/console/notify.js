// Notifications for incoming chats and messages (the reference: "You are also notified of
// incoming chats or messages"): a short sound, and a desktop notification while the console is
// in the background. A chat counts as incoming when it appears in my Queue or Transferred
// list; a message when the user writes in one of my chats that I am not looking at.
//
// Asked politely: the browser's permission prompt opens only when the agent clicks "Desktop
// alerts", never on load. "Mute" silences both the sound and the desktop notifications and is
// remembered in localStorage, so it survives a reload and the next sign-in on this browser.

import { $, h } from "../dom.js";

export const MUTE_KEY = "livechat.console.muted";
const QUIET_MS = 1500; // one alert per chat for a burst of rows, not one per row

export function isMuted() {
  try {
    return localStorage.getItem(MUTE_KEY) === "1";
  } catch {
    return false; // storage blocked: never muted, never remembered
  }
}

function setMuted(muted) {
  try {
    localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
  } catch {
    // storage blocked: the setting lasts for this page only
  }
}

export function mountNotify(store) {
  const alerts = new Alerts(store);
  $("#connection").before(controls());
  let waiting = null; // ids in Queue + Transferred after the first load
  store.addEventListener("lists", () => {
    const now = [...store.lists.queue, ...store.lists.transferred];
    if (waiting !== null) {
      const fresh = now.filter((s) => !waiting.has(s.chat_id));
      if (fresh.length) alerts.alert("chat", newChatText(fresh), fresh[0].chat_id);
    }
    waiting = new Set(now.map((s) => s.chat_id));
  });
  store.addEventListener("row", (event) => {
    const row = event.detail;
    if (row.type !== "MessagePosted" || !row.payload || row.payload.sender !== "user") return;
    const mine = store.lists.mine.some((s) => s.chat_id === row.chat_id);
    if (!mine || (row.chat_id === store.selected && inFront())) return;
    const summary = store.summary(row.chat_id);
    const who = (summary && summary.customer && summary.customer.name) || "The user";
    alerts.alert("message", { title: `New message from ${who}`, body: row.payload.text || "" }, row.chat_id);
  });
}

function newChatText(fresh) {
  const first = fresh[0];
  const who = (first.customer && first.customer.name) || "A user";
  const title = fresh.length > 1 ? `${fresh.length} new chats waiting` : `New chat from ${who}`;
  return { title, body: first.question || "" };
}

function inFront() {
  return document.visibilityState === "visible" && document.hasFocus();
}

/** The sound and the desktop notification, at most once per kind and chat per quiet period. */
class Alerts {
  constructor(store) {
    this.store = store;
    this.last = new Map(); // "<kind>:<chat id>" -> when it last alerted
    this.audio = null;
    // Browsers let a page play sound only after a gesture: wake the audio on the first one.
    const wake = () => this.context();
    window.addEventListener("pointerdown", wake, { once: true, capture: true });
    window.addEventListener("keydown", wake, { once: true, capture: true });
  }

  context() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!this.audio) this.audio = new Ctx();
    if (this.audio.state === "suspended") this.audio.resume().catch(() => {});
    return this.audio;
  }

  alert(kind, text, chatId) {
    const now = Date.now();
    const key = `${kind}:${chatId}`;
    if (isMuted() || now - (this.last.get(key) || 0) < QUIET_MS) return;
    this.last.set(key, now);
    this.beep();
    if (!inFront()) this.desktop(text, chatId);
  }

  beep() {
    const audio = this.context();
    if (!audio) return;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    const t = audio.currentTime;
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, t);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.25);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + 0.25);
  }

  desktop({ title, body }, chatId) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const note = new Notification(title, { body: body.slice(0, 140), tag: `livechat-${chatId}`, silent: true });
    note.onclick = () => {
      window.focus();
      this.store.select(chatId).catch((err) => this.store.emit("error", err));
      note.close();
    };
  }
}

/** The top bar's Mute toggle and, while the browser has not been asked, "Desktop alerts". */
function controls() {
  const mute = h("button", { type: "button", id: "mute", class: "btn btn-quiet" },
    h("span", { class: "mute-icon", attrs: { "aria-hidden": "true" } }), "Mute");
  const sync = () => {
    const muted = isMuted();
    mute.setAttribute("aria-pressed", String(muted));
    mute.title = muted
      ? "Notifications are muted: press to hear new chats and messages again"
      : "Press to mute the sound and desktop notifications of new chats and messages";
  };
  mute.addEventListener("click", () => {
    setMuted(!isMuted());
    sync();
  });
  sync();
  const root = h("div", { class: "notify" }, mute);
  if ("Notification" in window && Notification.permission === "default") {
    const ask = h("button", {
      type: "button", id: "desktop-alerts", class: "btn btn-quiet", text: "Desktop alerts",
      attrs: { title: "Show a desktop notification for new chats and messages while the console is in the background" },
    });
    ask.addEventListener("click", async () => {
      try {
        await Notification.requestPermission();
      } finally {
        ask.hidden = Notification.permission !== "default";
      }
    });
    root.append(ask);
  }
  return root;
}
