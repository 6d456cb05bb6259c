// End Chat asks first, in a dialog that can also mail the customer the transcript (only when
// the bridge has email on): POST .../end {send_transcript}. A refusal (no customer email, say)
// is shown in the dialog and nothing was ended.

import { $, h, toast } from "../dom.js";

function dialog() {
  let el = $("#end-dialog");
  if (el) return el;
  el = h("dialog", { id: "end-dialog", class: "dialog", attrs: { "aria-labelledby": "end-title" } },
    h("form", { method: "dialog", id: "end-form" },
      h("h2", { id: "end-title", text: "End chat" }),
      h("p", { text: "End the chat? The customer is told it has ended." }),
      h("label", { id: "end-transcript-option" },
        h("input", { type: "checkbox", id: "end-send-transcript" }), " Email the transcript to the customer"),
      h("p", { id: "end-error", class: "form-error", attrs: { role: "alert" } }),
      h("div", { class: "dialog-buttons" },
        h("button", { type: "button", class: "btn", id: "end-cancel", text: "Cancel" }),
        h("button", { type: "submit", class: "btn btn-primary", id: "end-ok", text: "End Chat" }))));
  document.body.append(el);
  return el;
}

/** Resolves once the chat was ended or the dialog cancelled. */
export function endChat(store, chatId) {
  const el = dialog();
  const email = !!(store.features && store.features.transcript_email);
  $("#end-transcript-option").hidden = !email;
  $("#end-send-transcript").checked = false;
  $("#end-error").textContent = "";
  el.showModal();
  return new Promise((resolve) => {
    const listening = new AbortController();
    const finish = () => {
      listening.abort();
      if (el.open) el.close();
      resolve();
    };
    $("#end-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const sendTranscript = email && $("#end-send-transcript").checked;
      try {
        await store.act(chatId, "end", { send_transcript: sendTranscript });
      } catch (err) {
        $("#end-error").textContent = err.message;
        return;
      }
      finish();
      if (sendTranscript) toast("Chat ended; the transcript is on its way to the customer.", "ok");
    }, { signal: listening.signal });
    $("#end-cancel").addEventListener("click", finish, { signal: listening.signal });
    el.addEventListener("close", finish, { signal: listening.signal });
  });
}
