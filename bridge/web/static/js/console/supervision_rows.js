// How the console's history shows supervision (issue 16 item 7): a supervisor's whisper (for
// the agent holding the chat: the user never gets it), barge-in, take-over and reassign.
// Monitoring (a supervisor reading the chat live) is in the log, not in the history.

const TITLES = {
  SupervisorWhispered: (p, name) => `Whisper · ${name(null)} (supervisor) → ${name(p.to_agent)}`,
  SupervisorJoined: (p, name) => `${name(null)} (supervisor) barged in`,
  SupervisorTookOver: (p, name) => `${name(null)} (supervisor) took the chat over`,
  SupervisorReassigned: (p, name) =>
    `${name(null)} (supervisor) reassigned the chat to ${p.to_agent ? name(p.to_agent) : p.to_queue}`,
};

/** The <li> for a supervision row, or null; `bubble` and `line` are history.js's builders.
 * A supervisor who signed in after this console loaded its directory is named once the
 * directory is fetched again (the line's first span is updated in place). */
export function supervisionRow(row, store, bubble, line, text) {
  const title = TITLES[row.type];
  if (!title) return null;
  const p = row.payload || {};
  const name = (id) => store.agentName(id || row.agent_id);
  const li = row.type === "SupervisorWhispered" ? bubble("whisper", title(p, name), row, text(p.text)) : line(row, title(p, name));
  const known = (id) => id === store.me.agent_id || store.directory.agents.some((a) => a.agent_id === id);
  if (![row.agent_id, p.to_agent].filter(Boolean).every(known)) {
    store.loadDirectory().then(() => {
      li.querySelector("span").textContent = title(p, name);
    }).catch(() => {});
  }
  return li;
}
