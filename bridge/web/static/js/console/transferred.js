// The Transferred tab is displayed only once a chat has been transferred to me (the reference:
// "The Transferred tab is displayed only when a support agent transfers a chat session to
// another agent"). Until then the console shows the Queue tab alone; once shown, the tab stays
// for the rest of the session, so it never vanishes under the agent's pointer when the last
// transferred chat is accepted.

import { $ } from "../dom.js";

export function mountTransferredTab(store) {
  const tab = $("#tab-transferred");
  let seen = false;
  const sync = () => {
    seen = seen || (store.counts.transferred || 0) > 0 || store.lists.transferred.length > 0;
    tab.hidden = !seen;
  };
  store.addEventListener("counts", sync);
  store.addEventListener("lists", sync);
  sync();
}
