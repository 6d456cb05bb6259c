// The composer's placeholder follows the selected chat's source: a self-service web user can
// be sent files, a virtual-agent user cannot (the bridge refuses attachments there); a note
// goes to agents only, whatever the source.

import { $ } from "../dom.js";

const HINTS = {
  self_service: "Reply to the self-service user: Enter sends, Shift+Enter adds a line",
  virtual_agent: "Reply to the Virtual Agent user (no attachments): Enter sends, Shift+Enter adds a line",
};
const NOTE_HINT = "Note for agents only (the user never sees it): Enter adds the note";
const FALLBACK = "Type a reply and press Enter (Shift+Enter for a new line)";

export function placeholderFor(source, note = false) {
  if (note) return NOTE_HINT;
  return HINTS[source] || FALLBACK;
}

export function mountComposerHint(store) {
  const text = $("#composer-text");
  const note = $("#note-mode");
  const sync = () => {
    const summary = store.selected && store.summary(store.selected);
    text.placeholder = placeholderFor(summary && summary.source, note.checked);
  };
  store.addEventListener("select", sync);
  store.addEventListener("chat", (event) => {
    if (event.detail === store.selected) sync();
  });
  note.addEventListener("change", sync);
  sync();
}
