// Attachments from the agent's composer (self-service chats only: a virtual-agent chat cannot
// carry them, the bridge refuses with attachments_not_allowed). The chooser and its checks are
// the web chat's (chat/files.js), with the bridge's limits from /api/v1/features.

import { $, h, toast } from "../dom.js";
import { FilePicker } from "../chat/files.js";
import { attachmentLimits } from "../features.js";

export function mountComposerFiles(store) {
  const input = h("input", { id: "composer-files", type: "file", multiple: true, class: "visually-hidden" });
  const label = h("label", { class: "btn btn-small file-button", attrs: { for: "composer-files" }, text: "Attach" });
  const list = h("ul", { id: "composer-file-list", class: "file-list", attrs: { "aria-label": "Attachments to send" } });
  const box = h("div", { class: "composer-files" }, label, input, list);
  $("#composer").append(box); // a row of its own under the text and Send
  const picker = new FilePicker(input, list, attachmentLimits(store.features), (msg) => msg && toast(msg));
  return {
    /** Show the chooser only where attachments are accepted. */
    show(allowed) {
      box.hidden = !allowed || !picker.limits.maxCount;
      if (box.hidden) picker.clear();
    },
    encoded: () => (box.hidden ? Promise.resolve([]) : picker.encoded()),
    clear: () => picker.clear(),
  };
}
