// The agent console: sign in, then keep everything current from the agent stream
// (WS /api/v1/agent/stream), which resumes with since=<last seq> after a drop.

import { ApiError, wsUrl } from "../api.js";
import { signIn, signOut } from "../auth.js";
import { $, toast } from "../dom.js";
import { loadFeatures } from "../features.js";
import { Stream } from "../stream.js";
import { mountComposerHint } from "./composer_hint.js";
import { mountConversation } from "./conversation.js";
import { mountFeedback } from "./feedback.js";
import { mountHeader } from "./header.js";
import { mountLists } from "./lists.js";
import { mountNotify } from "./notify.js";
import { mountOffers } from "./offers.js";
import { mountPresence } from "./presence.js";
import { mountResolve } from "./resolve.js";
import { mountSide } from "./side.js";
import { ConsoleStore } from "./store.js";
import { mountSupervise } from "./supervise.js";
import { mountTransferredTab } from "./transferred.js";
import { mountWrapUp } from "./wrapup.js";

const STATUS_TEXT = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…", stopped: "Offline" };

async function main() {
  const { token, api, info } = await signIn({
    root: $("#signin"),
    title: "Agent's Console",
    verify: (client) => client.get("/api/v1/agent/me"),
  });
  const store = new ConsoleStore(api, info);
  store.features = await loadFeatures(); // which buttons the bridge will accept (issue 16)
  store.addEventListener("error", (event) => toast(event.detail.message || String(event.detail)));
  $("#app").hidden = false;
  $("#signout").addEventListener("click", async () => {
    // Tell the bridge first: my chats go back to the queue now, not after the grace. If it
    // cannot be told (gone, or signed out already), the token is dropped all the same.
    try {
      await api.post("/api/v1/agent/sign-out");
    } catch (err) {
      console.warn("sign-out not recorded", err);
    }
    signOut();
  });
  mountHeader(store);
  // Issue 13: presence with reasons, offers with a countdown, wrap-up with Ready.
  mountOffers(store);
  mountWrapUp(store);
  mountPresence(store).catch((err) => toast(err.message));
  mountLists(store);
  mountConversation(store);
  mountSide(store);
  // Issue 16's console gaps: Resolve after End, the Transferred tab, alerts, the placeholder.
  mountResolve(store);
  mountTransferredTab(store);
  mountNotify(store);
  mountComposerHint(store);
  mountFeedback(store); // typing both ways, read receipts, survey answers in the history
  mountSupervise(store, token).catch((err) => toast(err.message)); // supervisors only
  await Promise.all([store.loadLists(), store.loadDirectory().catch(() => {})]);

  const connection = $("#connection");
  const stream = new Stream({
    url: (since) => wsUrl("/api/v1/agent/stream", { token, since: since || null }),
    onRow: (row) => store.applyRow(row),
    onStatus: (status) => {
      connection.textContent = STATUS_TEXT[status];
      connection.dataset.status = status;
      // Rows may have moved on between the first load and the socket opening, or during a drop.
      if (status === "live") store.resync().catch((err) => toast(err.message));
    },
    onRepeatedFailure: async () => {
      try {
        await api.get("/api/v1/agent/me");
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          signOut();
          return false;
        }
        return true;
      }
    },
  });
  stream.start();
}

main().catch((err) => toast(`The console could not start: ${err.message}`));
