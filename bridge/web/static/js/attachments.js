// Attachments shown in a conversation: a button per file that downloads it with the page's
// own credentials (GET /api/v1/chats/{chat}/attachments/{id} with the Authorization header),
// so no token ever appears in a URL.

import { enc } from "./api.js";
import { h } from "./dom.js";

function sizeText(size) {
  if (!size) return "";
  return size < 1024 * 1024 ? ` (${Math.max(1, Math.round(size / 1024))} KB)` : ` (${(size / (1024 * 1024)).toFixed(1)} MB)`;
}

async function download(api, chatId, attachment, onError) {
  try {
    const blob = await api.blob(`/api/v1/chats/${enc(chatId)}/attachments/${enc(attachment.id)}`);
    const url = URL.createObjectURL(blob);
    const link = h("a", { href: url, download: attachment.name || "attachment" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    onError(err.message);
  }
}

/** A list of attachment download buttons, or null when there are none. */
export function attachmentList(api, chatId, attachments, onError = () => {}) {
  if (!attachments || !attachments.length) return null;
  return h("ul", { class: "attachments", attrs: { "aria-label": "Attachments" } },
    attachments.map((a) => h("li", { class: "attachment" },
      a.id
        ? h("button", { type: "button", class: "link-button", text: `${a.name || "attachment"}${sizeText(a.size)}`, attrs: { "aria-label": `Download ${a.name || "attachment"}` }, on: { click: () => download(api, chatId, a, onError) } })
        : h("span", { text: a.name || "attachment" }))));
}
