// Attachments shown in a conversation: a button per file that downloads it with the page's
// own credentials (GET /api/v1/chats/{chat}/attachments/{id} with the Authorization header),
// so no token ever appears in a URL. Images also get a preview, fetched the same way and shown
// as a data: URL (the pages' CSP allows img-src 'self' data: only).

import { enc } from "./api.js";
import { h } from "./dom.js";

function sizeText(size) {
  if (!size) return "";
  return size < 1024 * 1024 ? ` (${Math.max(1, Math.round(size / 1024))} KB)` : ` (${(size / (1024 * 1024)).toFixed(1)} MB)`;
}

const PREVIEWABLE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

function attachmentPath(chatId, attachment) {
  return `/api/v1/chats/${enc(chatId)}/attachments/${enc(attachment.id)}`;
}

/** Save a fetched blob as a file the browser downloads. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function download(api, chatId, attachment, onError) {
  try {
    saveBlob(await api.blob(attachmentPath(chatId, attachment)), attachment.name || "attachment");
  } catch (err) {
    onError(err.message);
  }
}

function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

function preview(api, chatId, attachment) {
  if (!attachment.id || !PREVIEWABLE.has(attachment.content_type)) return null;
  const img = h("img", { class: "attachment-preview", alt: `Preview of ${attachment.name || "image"}` });
  api.blob(attachmentPath(chatId, attachment))
    .then(dataUrl)
    .then((src) => { img.src = src; })
    .catch(() => img.remove());
  return img;
}

/** A list of attachment download buttons, or null when there are none. */
export function attachmentList(api, chatId, attachments, onError = () => {}) {
  if (!attachments || !attachments.length) return null;
  return h("ul", { class: "attachments", attrs: { "aria-label": "Attachments" } },
    attachments.map((a) => h("li", { class: "attachment" },
      preview(api, chatId, a),
      a.id
        ? h("button", { type: "button", class: "link-button", text: `${a.name || "attachment"}${sizeText(a.size)}`, attrs: { "aria-label": `Download ${a.name || "attachment"}` }, on: { click: () => download(api, chatId, a, onError) } })
        : h("span", { text: a.name || "attachment" }))));
}
