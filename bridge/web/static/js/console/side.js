// The side panel: Customer Information (contact, site, company, tickets, assets) and
// Resources (outages, templates, knowledge search with Share and Pin, and the chat's ticket).

import { enc } from "../api.js";
import { $, fill, fmtTime, h, safeLink, toast, wireTabs } from "../dom.js";
import { createTicket, ticketCard } from "./ticket.js";

export function mountSide(store) {
  const state = { chatId: null, query: "", resources: null, loading: 0 };
  wireTabs($("#side .tabs"), (tab) => {
    $("#panel-customer").hidden = tab.id !== "tab-customer";
    $("#panel-resources").hidden = tab.id !== "tab-resources";
  });

  const reloadResources = async () => {
    const chatId = state.chatId;
    const summary = store.summary(chatId);
    if (!store.isMine(summary)) {
      state.resources = null;
      renderResources(store, state, reloadResources);
      return;
    }
    const ticket = state.resources && state.resources.ticket;
    let data;
    try {
      data = await store.api.get(`/api/v1/agent/chats/${enc(chatId)}/resources?q=${enc(state.query)}`);
    } catch (err) {
      data = { error: err.message };
    }
    if (chatId !== state.chatId) return;
    const tickets = data.tickets || [];
    state.resources = { ...data, ticket: tickets[tickets.length - 1] || (ticket && ticket.chat_id === chatId ? ticket : null) };
    renderResources(store, state, reloadResources);
  };
  state.reload = () => reloadResources().catch((err) => toast(err.message));
  state.setTicket = (ticket) => {
    if (state.resources) state.resources.ticket = ticket;
    renderResources(store, state, reloadResources);
    if (ticket) store.emit("ticket", ticket); // e.g. saved: resolve.js asks again whether it may
  };

  const onSelect = () => {
    const chatId = store.selected;
    $("#side").hidden = !chatId;
    if (!chatId || chatId === state.chatId) return;
    state.chatId = chatId;
    state.query = "";
    state.resources = null;
    fill($("#panel-customer"), h("p", { class: "muted", text: "Loading customer information…" }));
    loadCustomer(store, chatId).catch((err) => fill($("#panel-customer"), unknownCustomer(store.summary(chatId), err)));
    renderResources(store, state, reloadResources);
  };
  store.addEventListener("select", onSelect);
  // A ticket resolved from the chat's header (resolve.js) shows its new status here too.
  store.addEventListener("ticket", (event) => {
    const shown = state.resources && state.resources.ticket;
    if (shown && shown !== event.detail && shown.id === event.detail.id) state.setTicket(event.detail);
  });
  // Accepting (or losing) the chat changes what the Resources tab may show.
  let wasMine = false;
  store.addEventListener("chat", (event) => {
    if (event.detail !== state.chatId) return;
    const mine = store.isMine(store.summary(state.chatId));
    if (mine !== wasMine || (mine && !state.resources)) state.reload();
    wasMine = mine;
  });
}

async function loadCustomer(store, chatId) {
  const info = await store.api.get(`/api/v1/agent/chats/${enc(chatId)}/customer`);
  if (chatId !== store.selected) return;
  fill($("#panel-customer"), customerView(info));
}

/** What the handoff said about a customer the directory does not know (or a lookup error). */
function unknownCustomer(summary, err) {
  const c = (summary && summary.customer) || {};
  return [
    section("Contact", dl([["Name", c.name], ["ID", c.id], ["Company", summary && summary.company]])),
    h("p", { class: "notice", text: err.code === "unknown_customer" ? "This customer is not in the directory: no site, tickets or assets to show." : err.message }),
  ];
}

function text(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  return value.name || value.title || JSON.stringify(value);
}

function siteText(site) {
  if (!site || typeof site === "string") return site || "";
  return [site.name, site.street, [site.postal_code, site.city].filter(Boolean).join(" "), site.region, site.country].filter(Boolean).join(", ");
}

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v).map(([k, v]) => [h("dt", { text: k }), h("dd", {}, v)]));
}

function section(title, ...content) {
  return h("section", { class: "side-section" }, h("h3", { text: title }), ...content);
}

function customerView(info) {
  const c = info.customer || {};
  const tickets = info.tickets || [];
  const assets = info.assets || [];
  return [
    section("Contact", dl([
      ["Name", c.name], ["Email", c.email], ["Phone", c.phone], ["ID", c.id],
      ["Department", c.department], ["VIP", c.vip ? "Yes" : ""],
    ])),
    section("Site", dl([["Site", siteText(info.site || c.site)]])),
    section("Company", dl([["Company", text(info.company || c.company)]])),
    section(`Tickets (${tickets.length})`, tickets.length
      ? h("ul", { class: "plain-list" }, tickets.map((t) => h("li", {}, h("strong", { text: t.id }), ` ${t.summary || ""} `, h("span", { class: "tag", text: t.status }))))
      : h("p", { class: "muted", text: "No open tickets." })),
    section(`Assets (${assets.length})`, assets.length
      ? h("ul", { class: "plain-list" }, assets.map((a) => h("li", {}, h("strong", { text: `${a.kind || "Asset"} ` }), `${a.model || ""} · ${a.tag || a.id}${a.serial ? ` · S/N ${a.serial}` : ""}`)))
      : h("p", { class: "muted", text: "No assets." })),
  ];
}

function renderResources(store, state) {
  const panel = $("#panel-resources");
  const summary = store.summary(state.chatId);
  if (!store.isMine(summary)) {
    fill(panel, h("p", { class: "muted", text: "Accept the chat to see outages, templates and knowledge articles." }));
    return;
  }
  const data = state.resources;
  const ticket = data && data.ticket;
  const input = h("input", { type: "search", id: "resource-search", value: state.query, placeholder: "e.g. VPN, printer, password" });
  const search = h("form", {
    class: "search-form",
    attrs: { role: "search" },
    on: { submit: (e) => { e.preventDefault(); state.query = input.value.trim(); state.reload(); } },
  }, h("label", { htmlFor: "resource-search", text: "Search knowledge, templates and outages" }), h("div", { class: "row" }, input, h("button", { type: "submit", class: "btn", text: "Search" })));

  const create = (kind, template) => createTicket(store, state, kind, template);
  fill(panel,
    ticket ? ticketCard(store, state, ticket, data.templates || []) : section("Create Ticket",
      h("div", { class: "row" },
        h("button", { type: "button", class: "btn", text: "Create Incident", on: { click: () => create("incident") } }),
        h("button", { type: "button", class: "btn", text: "Create Work Order", on: { click: () => create("work_order") } }))),
    search,
    data ? resourceLists(store, state, data) : h("p", { class: "muted", text: "Loading resources…" }));
}

function resourceLists(store, state, data) {
  if (data.error) return h("p", { class: "notice", text: `Resources are not available for this chat: ${data.error}` });
  const ticket = data.ticket;
  const outages = data.outages || [];
  const templates = data.templates || [];
  const articles = data.articles || [];
  const kindLabel = (kind) => (kind === "work_order" ? "Work Order" : "Incident");
  return [
    section(`Outages (${outages.length})`, outages.length
      ? h("ul", { class: "plain-list" }, outages.map((o) => h("li", { class: "outage" }, h("strong", { text: o.title }), h("span", { class: "muted", text: ` ${o.service || ""} · since ${fmtTime(o.started_at)}` }))))
      : h("p", { class: "muted", text: "No active outages." })),
    section(`Templates (${templates.length})`, templates.length
      ? h("ul", { class: "plain-list" }, templates.map((t) => h("li", { class: "template" },
        h("div", {}, h("strong", { text: t.name }), h("span", { class: "tag", text: kindLabel(t.kind) })),
        h("p", { class: "muted small", text: t.summary || "" }),
        h("button", {
          type: "button", class: "btn btn-small", text: `Create ${kindLabel(t.kind)}`, disabled: !!ticket,
          attrs: { "aria-label": `Create ${kindLabel(t.kind)} from template ${t.name}` },
          on: { click: () => createTicket(store, state, t.kind, t) },
        }))))
      : h("p", { class: "muted", text: "No templates match." })),
    section(`Knowledge articles (${articles.length})`, articles.length
      ? h("ul", { class: "plain-list" }, articles.map((a) => articleItem(store, state, a, ticket)))
      : h("p", { class: "muted", text: "No articles match." })),
  ];
}

function articleItem(store, state, article, ticket) {
  const pinned = ticket && (ticket.pinned_articles || []).includes(article.id);
  const act = async (path, body) => {
    try {
      await store.api.post(`/api/v1/agent/chats/${enc(state.chatId)}/articles/${enc(article.id)}/${path}`, body);
      if (path === "share") await store.refreshChat(state.chatId);
      toast(path === "share" ? `Shared “${article.title}” with the user.` : `Pinned “${article.title}” to ${ticket.id}.`, "ok");
      await state.reload();
    } catch (err) {
      toast(err.message);
    }
  };
  return h("li", { class: "article" },
    h("div", {}, safeLink(article.url, article.title)),
    h("p", { class: "muted small", text: (article.body || "").slice(0, 140) }),
    h("div", { class: "row" },
      h("button", { type: "button", class: "btn btn-small", text: "Share", attrs: { "aria-label": `Share article ${article.title}` }, on: { click: () => act("share", {}) } }),
      h("button", {
        type: "button", class: "btn btn-small", text: pinned ? "Pinned" : "Pin", disabled: !ticket || pinned,
        attrs: { "aria-label": `Pin article ${article.title} to the ticket`, title: ticket ? "" : "Create a ticket first" },
        on: { click: () => act("pin", { ticket_id: ticket.id }) },
      })));
}
