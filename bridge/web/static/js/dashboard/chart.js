// The last hour as an inline SVG: arrivals per minute as bars, chats waiting as a line.
// Drawn with createElementNS and attributes only (no innerHTML, no inline styles: the CSP
// forbids them and nothing here needs them).

const NS = "http://www.w3.org/2000/svg";

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceMax(value) {
  if (value <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

/** Render history [{at, waiting, arrivals}] (oldest first) into `root`. */
export function drawChart(root, history, height = 200) {
  // Drawn at the container's own width so text keeps its size on any screen.
  const width = Math.max(280, Math.round(root.clientWidth || 720));
  const pad = { left: 34, right: 10, top: 10, bottom: 24 };
  const w = width - pad.left - pad.right;
  const hgt = height - pad.top - pad.bottom;
  const points = history || [];
  const max = niceMax(Math.max(1, ...points.map((p) => Math.max(p.waiting || 0, p.arrivals || 0))));
  const n = Math.max(points.length, 60);
  const x = (i) => pad.left + (i + 0.5) * (w / n);
  const y = (v) => pad.top + hgt - (v / max) * hgt;
  const peakWaiting = Math.max(0, ...points.map((p) => p.waiting || 0));
  const totalArrivals = points.reduce((s, p) => s + (p.arrivals || 0), 0);

  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "chart-svg",
    role: "img",
    "aria-label": `Last hour: ${totalArrivals} arrivals, at most ${peakWaiting} chats waiting at once.`,
    width,
    height,
  });
  for (const tick of [0, max / 2, max]) {
    svg.append(el("line", { x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick), class: "grid" }));
    svg.append(el("text", { x: pad.left - 6, y: y(tick) + 4, class: "axis", "text-anchor": "end" }, String(Math.round(tick))));
  }
  const barWidth = Math.max(1, (w / n) * 0.7);
  points.forEach((p, i) => {
    if (!p.arrivals) return;
    svg.append(el("rect", { x: x(i) - barWidth / 2, y: y(p.arrivals), width: barWidth, height: Math.max(0, pad.top + hgt - y(p.arrivals)), class: "bar" }));
  });
  if (points.length) {
    const path = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.waiting || 0).toFixed(1)}`).join(" ");
    svg.append(el("path", { d: path, class: "line" }));
  }
  const label = (i, text, anchor) => svg.append(el("text", { x: x(i), y: height - 6, class: "axis", "text-anchor": anchor }, text));
  label(0, "-60 min", "start");
  label(n / 2 - 0.5, "-30 min", "middle");
  label(n - 1, "now", "end");
  root.replaceChildren(svg);
}
