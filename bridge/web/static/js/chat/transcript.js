// The user's copy of the conversation: download it as text (GET .../transcript) or have it
// mailed (POST .../transcript/email; the address given at the start when left blank). The
// email button shows only when the bridge has email on (GET /api/v1/features).

import { saveBlob } from "../attachments.js";
import { $, h } from "../dom.js";

export function mountTranscript(api, base, chatId, features) {
  const status = h("p", { id: "transcript-status", class: "muted small", attrs: { role: "status", "aria-live": "polite" } });
  const download = h("button", { type: "button", class: "btn", id: "transcript-download", text: "Download transcript" });
  const address = h("input", { type: "email", id: "transcript-email", maxLength: 254, placeholder: "Email (optional)", title: "Leave blank to use the address you gave", autocomplete: "email" });
  const form = h("form", { id: "transcript-form", class: "transcript-form", hidden: !features.transcript_email },
    h("label", { attrs: { for: "transcript-email" }, class: "visually-hidden", text: "Email address for the transcript" }),
    address,
    h("button", { type: "submit", class: "btn", id: "transcript-send", text: "Email transcript" }));
  $(".talk-footer").append(h("div", { class: "transcript-tools" }, download, form, status));

  download.addEventListener("click", async () => {
    try {
      saveBlob(await api.blob(`${base}/transcript`), `transcript-${chatId}.txt`);
    } catch (err) {
      status.textContent = err.message;
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = address.value.trim();
    try {
      const queued = await api.post(`${base}/transcript/email`, email ? { email } : {});
      status.textContent = `The transcript is on its way to ${queued.to}.`;
    } catch (err) {
      status.textContent = err.message;
    }
  });
}
