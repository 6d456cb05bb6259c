// The start form: company and topic (support queue), name, email, question, attachments.
// It hands the chat over with the publishable source key, which may only open self-service
// chats. The company and topic choices come from GET /api/v1/queues (else the queues rendered
// into the page, else free text), and the chosen queue's availability shows as a hint.

import { Api, RetryKey, enc } from "../api.js";
import { $, fill, fmtDuration, h } from "../dom.js";
import { FilePicker, describeLimits } from "./files.js";
import { mountOffline } from "./offline.js";

function parseQueues(raw) {
  try {
    const keys = JSON.parse(raw || "[]");
    return Array.isArray(keys) ? keys.filter((k) => typeof k === "string" && k.includes("/")) : [];
  } catch {
    return [];
  }
}

/** The bridge's public queue list, or null when it answers nothing usable (soon). */
async function fetchQueues(api, waitMs = 3000) {
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), waitMs));
  const listed = api.get("/api/v1/queues").then(
    (answer) => (Array.isArray(answer?.queues) ? answer.queues : []).filter((q) => typeof q?.key === "string" && q.key.includes("/")),
    () => [],
  );
  const queues = await Promise.race([listed, timeout]);
  return queues && queues.length ? queues : null;
}

function queueLabel(name, closed) {
  const label = name === "GENERAL" ? "General" : name.charAt(0) + name.slice(1).toLowerCase();
  return closed ? `${label} (closed now)` : label;
}

function split(key) {
  const i = key.lastIndexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** Fill the company / topic selects from the listed (else rendered) queues; free text when none. */
function setupChoices(cfg, listed) {
  const keys = listed ? listed.map((q) => q.key) : parseQueues(cfg.queues);
  const closed = new Set((listed || []).filter((q) => q.open === false).map((q) => q.key));
  const companies = [...new Set(keys.map((k) => split(k)[0]))];
  if (cfg.company && !companies.includes(cfg.company)) companies.unshift(cfg.company);
  if (!companies.length) {
    $("#company").replaceWith(h("input", { id: "company", required: true, value: cfg.company || "", autocomplete: "organization" }));
    $("#queue").replaceWith(h("input", { id: "queue", value: cfg.queue || "GENERAL" }));
    return;
  }
  fill($("#company"), companies.map((c) => h("option", { value: c, text: c, selected: c === cfg.company })));
  const fillQueues = () => {
    const company = $("#company").value;
    const names = keys.filter((k) => split(k)[0] === company).map((k) => split(k)[1]);
    if (!names.includes("GENERAL")) names.unshift("GENERAL");
    const wanted = cfg.queue && names.includes(cfg.queue) ? cfg.queue : "GENERAL";
    fill($("#queue"), names.map((n) => h("option", { value: n, text: queueLabel(n, closed.has(`${company}/${n}`)), selected: n === wanted })));
  };
  $("#company").addEventListener("change", fillQueues);
  fillQueues();
}

async function showAvailability(api) {
  const company = $("#company").value.trim();
  const queue = $("#queue").value.trim() || "GENERAL";
  const out = $("#availability");
  if (!company) return;
  try {
    const a = await api.get(`/api/v1/availability?company=${enc(company)}&queue=${enc(queue)}`);
    if (!a.open) out.textContent = "This support queue is closed right now.";
    else if (a.agents_available) out.textContent = `${a.agents_available} agent${a.agents_available > 1 ? "s" : ""} available · ${a.queue_length} waiting · estimated wait ${fmtDuration(a.estimated_wait)}`;
    else out.textContent = `No agent is free right now · ${a.queue_length} waiting · estimated wait ${fmtDuration(a.estimated_wait)}`;
  } catch {
    out.textContent = "";
  }
}

/** Show the form; resolves with the handoff's answer once a chat was started. */
export async function startChat(cfg, limits) {
  const api = new Api({ apiKey: cfg.sourceKey });
  const error = $("#start-error");
  setupChoices(cfg, await fetchQueues(api));
  $("#start").hidden = false;
  $("#customer-id").value = cfg.customerId || "";
  if (cfg.customerId) $("#customer-field").hidden = true;
  $("#limits").textContent = describeLimits(limits);
  const picker = new FilePicker($("#start-files"), $("#start-file-list"), limits, (msg) => { error.textContent = msg; });
  for (const id of ["#company", "#queue"]) $(id).addEventListener("change", () => showAvailability(api));
  showAvailability(api);
  mountOffline(api); // closed or no agent: "Leave a message" where the queue takes them
  $("#name").focus();

  // One key per handoff attempt, kept when the network failed so a retry cannot open two chats.
  const retryKey = new RetryKey();
  return new Promise((resolve) => {
    $("#start-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      const name = $("#name").value.trim();
      const email = $("#email").value.trim();
      const question = $("#question").value.trim();
      const missing = [[name, "your name"], [question, "your question"], [$("#company").value.trim(), "the company"]].filter(([v]) => !v).map(([, l]) => l);
      if (missing.length) {
        error.textContent = `Please enter ${missing.join(" and ")}.`;
        return;
      }
      if (email && !$("#email").checkValidity()) {
        error.textContent = "Please enter a valid email address.";
        return;
      }
      const button = $("#start-button");
      button.disabled = true;
      try {
        const customerId = $("#customer-id").value.trim() || email || name;
        const body = {
          source: "self_service",
          company: $("#company").value.trim(),
          queue: $("#queue").value.trim() || "GENERAL",
          customer: { id: customerId, name, ...(email ? { email } : {}) },
          question,
        };
        const attachments = await picker.encoded();
        if (attachments.length) body.attachments = attachments;
        const result = await api.post("/api/v1/handoffs", body, retryKey.headers(body));
        retryKey.settle(null);
        $("#start").hidden = true;
        resolve({ ...result, question });
      } catch (err) {
        error.textContent = err.message;
        retryKey.settle(err);
      } finally {
        button.disabled = false;
      }
    });
  });
}
