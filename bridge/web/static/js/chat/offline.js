// Offline messages (issue 16 item 6): when the chosen queue is closed or has no agent and the
// bridge's configuration says so, the start form offers "Leave a message": the name, email,
// employee id and question go to POST /api/v1/offline-messages and become a ticket.

import { enc } from "../api.js";
import { $, h } from "../dom.js";

const KIND = { work_order: "work order", incident: "incident" };
const A_KIND = { work_order: "a work order", incident: "an incident" };

/** Watch the company/topic choice; show the offer while the queue takes offline messages. */
export function mountOffline(api) {
  const box = h("div", { id: "offline", class: "offline", hidden: true, attrs: { "aria-live": "polite" } });
  $("#availability").after(box);
  let asked = 0;
  const check = async () => {
    const company = $("#company").value.trim();
    const queue = $("#queue").value.trim() || "GENERAL";
    const ask = ++asked;
    if (!company) return show(box, null);
    try {
      const policy = await api.get(`/api/v1/offline-messages/policy?company=${enc(company)}&queue=${enc(queue)}`);
      if (ask === asked) show(box, policy.accepts ? policy : null, () => leave(api, company, queue));
    } catch {
      if (ask === asked) show(box, null);
    }
  };
  for (const id of ["#company", "#queue"]) $(id).addEventListener("change", check);
  check();
}

function show(box, policy, onLeave) {
  box.hidden = !policy;
  $("#start-button").hidden = !!policy && policy.reason === "closed"; // a closed queue takes no chat
  if (!policy) return box.replaceChildren();
  const what = A_KIND[policy.ticket] || "a ticket";
  const text = policy.reason === "closed"
    ? `You can leave a message instead: we will open ${what} for you.` // #availability says closed
    : `No agent can take your chat right now. Start it and wait, or leave a message: we will open ${what} for you.`;
  box.replaceChildren(
    h("p", { text }),
    h("button", { type: "button", class: "btn", id: "offline-button", text: "Leave a message", on: { click: onLeave } }));
}

async function leave(api, company, queue) {
  const error = $("#start-error");
  const name = $("#name").value.trim();
  const email = $("#email").value.trim();
  const text = $("#question").value.trim();
  if (!name || !text) {
    error.textContent = "Please enter your name and your message (How can we help?).";
    return;
  }
  const customerId = $("#customer-id").value.trim() || email || name;
  const body = { source: "self_service", company, queue, customer: { id: customerId, name, ...(email ? { email } : {}) }, text };
  const button = $("#offline-button");
  button.disabled = true;
  try {
    const answer = await api.post("/api/v1/offline-messages", body);
    error.textContent = "";
    $("#start-form").replaceChildren(h("p", { id: "offline-done", class: "offline-done", attrs: { role: "status" },
      text: `Thank you: your message was filed as ${KIND[answer.kind] || "ticket"} ${answer.ticket_id}. We will get back to you.` }));
  } catch (err) {
    error.textContent = err.message;
  } finally {
    button.disabled = false;
  }
}
