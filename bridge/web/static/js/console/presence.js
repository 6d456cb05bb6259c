// Issue 13: presence with reasons. The selector lists the configured states (Available,
// Break, Lunch, ...) from GET /api/v1/agent/presence; only Available takes chats, and an agent
// on Break keeps the chats it holds. The presence answer also carries the offers and wrap-ups
// that offers.js and wrapup.js show: this module is the one loader, told to reload by the
// agent's own rows on the stream.

import { $, fill, h, toast } from "../dom.js";

// Rows about me that change my presence answer (state, load, offers, wrap-ups).
const PRESENCE_TYPES = new Set([
  "AgentAvailabilityChanged", "ChatOffered", "OfferEnded", "ChatAssigned", "WrapUpStarted",
  "WrapUpEnded", "ChatClosed", "ChatRequeued",
]);
// Rows that change what a queue item shows (offered to, required skills after relaxing).
const QUEUE_TYPES = new Set(["ChatOffered", "OfferEnded", "ChatRelaxed"]);

export async function loadPresence(store) {
  store.presence = await store.api.get("/api/v1/agent/presence");
  store.emit("presence", store.presence);
  return store.presence;
}

export function mountPresence(store) {
  const root = $("#presence");
  store.addEventListener("presence", () => render(store, root));
  store.addEventListener("me", () => store.soon("presence", () => loadPresence(store)));
  store.addEventListener("row", (event) => {
    const row = event.detail || {};
    if (QUEUE_TYPES.has(row.type)) store.soon("lists", () => store.loadLists());
    if (PRESENCE_TYPES.has(row.type) && (row.agent_id === store.me.agent_id || !row.agent_id)) {
      store.soon("presence", () => loadPresence(store), 60);
    }
  });
  return loadPresence(store);
}

async function setStatus(store, status) {
  try {
    await store.api.put("/api/v1/agent/presence", { status });
    await store.loadMe(); // the availability control follows (and reloads the presence)
  } catch (err) {
    toast(`Presence not changed: ${err.message}`);
    store.emit("presence", store.presence);
  }
}

function render(store, root) {
  const presence = store.presence;
  if (!root || !presence) return;
  const select = h(
    "select",
    { id: "presence-status", on: { change: () => setStatus(store, select.value) } },
    presence.states.map((state) => h("option", { value: state, text: state, selected: state === presence.status })),
  );
  root.dataset.status = presence.status;
  fill(root, h("label", { htmlFor: "presence-status", text: "Presence" }), select);
}
