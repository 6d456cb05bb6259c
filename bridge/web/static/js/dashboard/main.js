// The supervisors' dashboard: GET /api/v1/dashboard once, then live from
// WS /api/v1/dashboard/stream; while the socket is down it polls every 2 s instead.

import { wsUrl } from "../api.js";
import { signIn, signOut } from "../auth.js";
import { $, fill, fmtDuration, fmtPercent, h, toast } from "../dom.js";
import { Stream } from "../stream.js";
import { drawChart } from "./chart.js";

const POLL_MS = 2000;
const STATUS_TEXT = { connecting: "Connecting…", live: "Live", reconnecting: "Polling every 2 s", stopped: "Offline" };

/** Load = (held + waiting) / serving capacity; over 100% means more work than capacity. */
function loadBar(load) {
  if (load === null || load === undefined) return h("span", { class: "muted small", text: "nobody serving" });
  const meter = h("meter", { min: 0, max: 1.5, low: 0.8, high: 1, optimum: 0.5, value: Math.min(1.5, Math.max(0, load)), attrs: { "aria-hidden": "true" } });
  return h("span", { class: "load" }, meter, h("span", { class: "small", text: fmtPercent(load) }));
}

const COLUMNS = [
  ["waiting", "Waiting", (q) => String(q.waiting ?? 0)],
  ["longest_wait", "Longest wait", (q) => (q.waiting ? fmtDuration(q.longest_wait + q.elapsed) : "–")],
  ["agents_available", "Agents available", (q) => String(q.agents_available ?? 0)],
  ["agents_busy", "Agents busy", (q) => String(q.agents_busy ?? 0)],
  ["load", "Load", (q) => loadBar(q.load)],
  ["service_level_today", "Service level today", (q) => fmtPercent(q.service_level_today)],
  ["abandonment_today", "Abandoned today", (q) => fmtPercent(q.abandonment_today)],
  ["answered", "Answered / arrived", (q) => `${q.answered_today ?? 0} / ${q.arrivals_today ?? 0}`],
];

function queueRow(q) {
  const cut = q.queue.lastIndexOf("/");
  const cells = COLUMNS.map(([key, label, value]) => h("td", {
    class: `${key === "load" ? "" : "num"}${key === "waiting" && q.waiting ? " hot" : ""}`,
    attrs: { "data-col": key, "data-label": label },
  }, value(q)));
  return h("tr", { attrs: { "data-queue": q.queue } },
    h("th", { scope: "row" }, h("span", { class: "queue-name", text: q.queue.slice(cut + 1) }), h("span", { class: "muted small", text: ` ${q.queue.slice(0, cut)}` })),
    cells);
}

function total(queues, key) {
  return queues.reduce((sum, q) => sum + (Number(q[key]) || 0), 0);
}

/** elapsed: seconds since the document arrived, so waits keep counting between pushes. */
function render(doc, elapsed = 0) {
  const queues = (doc.queues || []).map((q) => ({ ...q, elapsed }));
  fill($("#queues tbody"), queues.length ? queues.map(queueRow) : h("tr", {}, h("td", { colSpan: 9, class: "muted", text: "No support queues to show." })));
  const longest = Math.max(0, ...queues.filter((q) => q.waiting).map((q) => (q.longest_wait || 0) + elapsed));
  const tile = (id, label, value) => h("div", { class: "tile", attrs: { "data-total": id } }, h("span", { class: "tile-value", text: value }), h("span", { class: "tile-label", text: label }));
  // Agents are not summed: one agent serves several queues.
  fill($("#totals"),
    tile("waiting", "Chats waiting", String(total(queues, "waiting"))),
    tile("longest_wait", "Longest wait", longest ? fmtDuration(longest) : "–"),
    tile("answered_today", "Answered today", String(total(queues, "answered_today"))),
    tile("arrivals_today", "Arrived today", String(total(queues, "arrivals_today"))));
}

async function main() {
  const { token, api, info } = await signIn({
    root: $("#signin"),
    title: "Queue dashboard",
    verify: (client) => client.get("/api/v1/dashboard"),
  });
  $("#app").hidden = false;
  $("#signout").addEventListener("click", signOut);
  let last = info;
  let receivedAt = Date.now();
  const show = (doc) => {
    last = doc;
    receivedAt = Date.now();
    render(doc);
    drawChart($("#chart"), doc.history || []);
    $("#updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  };
  show(info);
  window.addEventListener("resize", () => drawChart($("#chart"), last.history || []));
  setInterval(() => render(last, (Date.now() - receivedAt) / 1000), 1000);

  let poller = null;
  const poll = async () => {
    try {
      show(await api.get("/api/v1/dashboard"));
    } catch (err) {
      if (err.status === 401) signOut();
      else toast(err.message);
    }
  };
  const connection = $("#connection");
  const stream = new Stream({
    url: () => wsUrl("/api/v1/dashboard/stream", { token }),
    onRow: (doc) => {
      if (doc && Array.isArray(doc.queues)) show(doc);
    },
    onStatus: (status) => {
      connection.textContent = STATUS_TEXT[status];
      connection.dataset.status = status;
      clearInterval(poller);
      poller = status === "live" ? null : setInterval(poll, POLL_MS);
      if (status === "live") poll();
    },
    maxDelay: 30000,
  });
  stream.start();
}

main().catch((err) => toast(`The dashboard could not start: ${err.message}`));
