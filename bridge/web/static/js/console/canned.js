// Canned replies in the composer: "/" in an empty composer, or Ctrl+Space anywhere in it, opens
// a search of the replies that fit the chat (its company, queue, mine) and of knowledge
// articles. Choosing one asks the bridge to render it for this chat (placeholders filled
// server-side, POST .../canned/render) and inserts the text at the caret.

import { enc } from "../api.js";
import { $, fill, h, toast } from "../dom.js";

export function mountCanned(store) {
  const text = $("#composer-text");
  const panel = h("div", { id: "canned-panel", class: "canned-panel", hidden: true },
    h("label", { attrs: { for: "canned-search" }, class: "visually-hidden", text: "Search canned replies" }),
    h("input", { id: "canned-search", type: "search", placeholder: "Search canned replies and articles", autocomplete: "off", attrs: { role: "combobox", "aria-controls": "canned-list", "aria-expanded": "true" } }),
    h("ul", { id: "canned-list", class: "canned-list", attrs: { role: "listbox", "aria-label": "Canned replies" } }));
  $("#composer").prepend(panel);
  const search = $("#canned-search", panel);
  const list = $("#canned-list", panel);
  let items = [];
  let active = 0;
  let asked = 0;

  const close = () => {
    panel.hidden = true;
    text.focus();
  };
  const show = () => fill(list, items.length ? items.map((item, i) => h("li", {
    id: `canned-${i}`, class: `canned-item${i === active ? " active" : ""}`,
    attrs: { role: "option", "aria-selected": i === active ? "true" : "false" },
    on: { mousedown: (event) => { event.preventDefault(); choose(i); } },
  }, h("strong", { text: item.title }), item.shortcut ? h("span", { class: "muted", text: ` /${item.shortcut}` }) : null,
  h("span", { class: `tag${item.kind === "article" ? " tag-article" : ""}`, text: item.kind === "article" ? "Article" : "Canned" }),
  h("div", { class: "canned-text muted small", text: item.text }))) : h("li", { class: "muted", text: "No matching replies." }));
  const refresh = async () => {
    const chatId = store.selected;
    const ask = ++asked;
    const found = await store.api.get(`/api/v1/agent/chats/${enc(chatId)}/canned?q=${encodeURIComponent(search.value.trim())}`);
    if (ask !== asked) return; // a later keystroke's answer wins
    items = found.replies || [];
    active = 0;
    show();
  };
  const choose = async (i) => {
    const item = items[i];
    if (!item) return;
    const body = item.kind === "article" ? { article_id: item.id } : { canned_id: item.id };
    try {
      const { text: reply } = await store.api.post(`/api/v1/agent/chats/${enc(store.selected)}/canned/render`, body);
      const at = text.selectionStart ?? text.value.length;
      text.value = text.value.slice(0, at) + reply + text.value.slice(text.selectionEnd ?? at);
      close();
      text.selectionStart = text.selectionEnd = at + reply.length;
    } catch (err) {
      toast(err.message);
    }
  };
  const open = () => {
    panel.hidden = false;
    search.value = "";
    search.focus();
    refresh().catch((err) => toast(err.message));
  };

  text.addEventListener("keydown", (event) => {
    const slash = event.key === "/" && !text.value.trim();
    const ctrlSpace = event.key === " " && event.ctrlKey;
    if (!slash && !ctrlSpace) return;
    event.preventDefault();
    open();
  });
  search.addEventListener("input", () => refresh().catch((err) => toast(err.message)));
  search.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
    else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      active = Math.max(0, Math.min(items.length - 1, active + (event.key === "ArrowDown" ? 1 : -1)));
      show();
      search.setAttribute("aria-activedescendant", `canned-${active}`);
    } else if (event.key === "Enter") choose(active);
    else return;
    event.preventDefault();
  });
  search.addEventListener("blur", () => { panel.hidden = true; });
  store.addEventListener("select", () => { panel.hidden = true; });
}
