// The chat actions that ask something first: Transfer (agent or queue, with a note) and
// Abandon (the bridge answers 409 confirmation_required when the chat has no ticket).

import { $, $$, confirmDialog, fill, h, toast } from "../dom.js";
import { queueName } from "./lists.js";

/** Open the transfer dialog; resolves when the chat was transferred or the dialog cancelled. */
export async function transfer(store, chatId) {
  await store.loadDirectory();
  const dialog = $("#transfer-dialog");
  const form = $("#transfer-form");
  const select = $("#transfer-target");
  const note = $("#transfer-note");
  const error = $("#transfer-error");
  const kind = () => $$('input[name="target-kind"]', form).find((r) => r.checked).value;
  const fillTargets = () => {
    const options = kind() === "agent"
      ? store.directory.agents.filter((a) => a.agent_id !== store.me.agent_id).map((a) =>
        h("option", { value: a.agent_id, text: `${a.display_name}${a.available ? "" : " (not available)"}` }))
      : store.directory.queues.map((q) => h("option", { value: q, text: `${q.split("/")[0]} · ${queueName(q)}` }));
    fill(select, options.length ? options : h("option", { value: "", text: "No targets", disabled: true }));
  };
  fillTargets();
  note.value = "";
  error.textContent = "";
  const listening = new AbortController();
  const signal = listening.signal;
  form.addEventListener("change", fillTargets, { signal });
  dialog.showModal();

  return new Promise((resolve) => {
    const finish = () => {
      listening.abort();
      if (dialog.open) dialog.close();
      resolve();
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!select.value) {
        error.textContent = "Choose where to transfer the chat.";
        return;
      }
      const body = kind() === "agent" ? { to_agent: select.value } : { to_queue: select.value };
      body.note = note.value.trim();
      const target = select.selectedOptions[0];
      try {
        await store.act(chatId, "transfer", body);
      } catch (err) {
        error.textContent = err.message;
        return;
      }
      // Done: the chat is no longer mine. I keep reading it, without its actions.
      finish();
      toast(`Chat transferred to ${target ? target.textContent : select.value}.`, "ok");
    }, { signal });
    $("#transfer-cancel").addEventListener("click", finish, { signal });
    dialog.addEventListener("close", finish, { signal });
  });
}

/** Abandon; when there is no ticket the bridge wants a confirmation, which we ask the agent. */
export async function abandon(store, chatId) {
  try {
    await store.act(chatId, "abandon", { confirm: false });
  } catch (err) {
    if (err.code !== "confirmation_required") throw err;
    const ok = await confirmDialog("No ticket has been created for this chat. Mark the session as abandoned and end the chat?", "Abandon");
    if (ok) await store.act(chatId, "abandon", { confirm: true });
  }
}
