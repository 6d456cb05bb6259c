// Tiny DOM helpers. Every piece of text goes in through text nodes / textContent, never
// innerHTML, so user-supplied text (chat messages, names, ticket fields) can never become markup.

/**
 * Build an element.
 * props: class, text, attrs (setAttribute: aria-*, data-*, role, ...), on ({event: handler}),
 * and any other key is assigned as a DOM property (id, type, value, disabled, hidden, href...).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "attrs") {
      for (const [name, v] of Object.entries(value)) {
        if (v !== undefined && v !== null && v !== false) el.setAttribute(name, String(v));
      }
    } else if (key === "on") {
      for (const [name, handler] of Object.entries(value)) el.addEventListener(name, handler);
    } else el[key] = value;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children (nodes or strings), all as nodes / text. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** A link only for http(s) URLs; anything else (javascript:, data:) is shown as text. */
export function safeLink(url, text) {
  try {
    const parsed = new URL(url, window.location.href);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") {
      return h("a", { href: parsed.href, text: text || url, target: "_blank", rel: "noopener noreferrer" });
    }
  } catch {
    // not a URL: fall through to plain text
  }
  return h("span", { text: text || url });
}

export function fmtTime(epochSeconds) {
  if (!epochSeconds) return "";
  const d = new Date(epochSeconds * 1000);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** "45 s", "3 min", "1 h 05 min": for waits and durations given in seconds. */
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

export function fmtPercent(ratio) {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return "–";
  return `${Math.round(ratio * 100)}%`;
}

/** Make a role=tablist keyboard-operable (arrows, Home, End) and call onSelect(tab). */
export function wireTabs(tablist, onSelect) {
  const tabs = () => $$('[role="tab"]:not([hidden])', tablist); // a hidden tab is skipped
  const select = (tab, focus) => {
    for (const t of tabs()) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
    }
    if (focus) tab.focus();
    onSelect(tab);
  };
  tablist.addEventListener("click", (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (tab) select(tab, false);
  });
  tablist.addEventListener("keydown", (event) => {
    const all = tabs();
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: all.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    select(all[(moves[event.key] + all.length) % all.length], true);
  });
  return select;
}

/** Show a short message in the page's toast region (role=alert), hiding it after a while. */
export function toast(message, kind = "error") {
  const el = document.getElementById("toast");
  if (!el) return;
  el.className = `toast toast-${kind}`;
  el.textContent = message;
  el.hidden = false;
  el.title = "Click to dismiss";
  el.onclick = () => {
    el.hidden = true;
  };
  keepClear(el);
  clearTimeout(el._timer);
  el._timer = setTimeout(() => {
    el.hidden = true;
  }, 6000);
}

// Controls a toast must never cover: a composer's Send (and anything marked data-keep-clear).
const KEEP_CLEAR = "form.composer [type=submit], [data-keep-clear]";
let clearing = false;

function covers(el) {
  const a = el.getBoundingClientRect();
  return $$(KEEP_CLEAR).some((target) => {
    const b = target.getBoundingClientRect();
    const shown = b.width > 0 && b.height > 0;
    return shown && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  });
}

/** Put the toast at its usual end of the window, or the other end when that covers Send
 * (a narrow page scrolls, so Send can be anywhere); kept so while the page scrolls or resizes. */
function keepClear(el) {
  el.classList.remove("toast-flip");
  if (covers(el)) {
    el.classList.add("toast-flip");
    if (covers(el)) el.classList.remove("toast-flip");
  }
  if (clearing) return;
  clearing = true;
  const again = () => {
    if (!el.hidden) keepClear(el);
  };
  window.addEventListener("scroll", again, { passive: true, capture: true });
  window.addEventListener("resize", again, { passive: true });
}

/** Ask a yes/no question in the page's confirm <dialog>; resolves true for OK. */
export function confirmDialog(text, okLabel = "OK") {
  const dialog = document.getElementById("confirm-dialog");
  fill(dialog.querySelector("#confirm-text"), text);
  dialog.querySelector("#confirm-ok").textContent = okLabel;
  dialog.returnValue = "cancel";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}
