// The header: availability ("Available", or "Available for N" when the administrator enabled
// auto-accept) and the screen name users see.

import { $, fill, h, toast } from "../dom.js";

const MAX_AUTO_ACCEPT = 6;

export function mountHeader(store) {
  const render = () => {
    renderAvailability(store, $("#availability"));
    renderScreenName(store, $("#screen-name"));
  };
  store.addEventListener("me", render);
  render();
}

async function setAvailability(store, body) {
  try {
    await store.api.put("/api/v1/agent/availability", body);
    await store.loadMe();
  } catch (err) {
    toast(`Availability not changed: ${err.message}`);
    store.emit("me", store.me);
  }
}

function renderAvailability(store, root) {
  const me = store.me;
  if (me.auto_accept) {
    const current = me.available ? Math.max(1, me.capacity || 1) : 0;
    const options = [];
    for (let n = 0; n <= Math.max(MAX_AUTO_ACCEPT, current); n += 1) {
      options.push(h("option", { value: String(n), text: n === 0 ? "Not available" : `${n} chat${n > 1 ? "s" : ""}`, selected: n === current }));
    }
    const select = h("select", {
      id: "available-for",
      on: {
        change: () => {
          const n = Number(select.value);
          setAvailability(store, n > 0 ? { available: true, capacity: n } : { available: false });
        },
      },
    }, options);
    fill(root, h("label", { htmlFor: "available-for", text: "Available for" }), select);
    return;
  }
  const box = h("input", {
    type: "checkbox",
    id: "available",
    checked: !!me.available,
    attrs: { role: "switch" },
    on: { change: () => setAvailability(store, { available: box.checked }) },
  });
  fill(root, h("label", { class: "switch" }, box, h("span", { text: "Available" })));
}

function renderScreenName(store, root) {
  const me = store.me;
  const shown = me.display_name || me.screen_name || `${me.first_name} ${me.last_name}`;
  const edit = h("button", {
    type: "button",
    class: "btn btn-quiet",
    text: "Edit",
    attrs: { "aria-label": "Edit screen name" },
    on: { click: () => editScreenName(store, root) },
  });
  fill(root, h("span", { class: "muted", text: "Users see " }), h("strong", { id: "display-name", text: shown }), edit);
}

function editScreenName(store, root) {
  const me = store.me;
  const input = h("input", { id: "screen-name-input", value: me.screen_name || "", maxLength: 64, placeholder: `${me.first_name} ${me.last_name}` });
  const cancel = () => store.emit("me", store.me);
  const form = h(
    "form",
    {
      class: "inline-form",
      on: {
        submit: async (event) => {
          event.preventDefault();
          try {
            await store.api.put("/api/v1/agent/screen-name", { screen_name: input.value.trim() || null });
            await store.loadMe();
          } catch (err) {
            toast(`Screen name not saved: ${err.message}`);
          }
        },
        keydown: (event) => {
          if (event.key === "Escape") cancel();
        },
      },
    },
    h("label", { htmlFor: "screen-name-input", text: "Screen name" }),
    input,
    h("button", { type: "submit", class: "btn btn-primary", text: "Save" }),
    h("button", { type: "button", class: "btn", text: "Cancel", on: { click: cancel } }),
  );
  fill(root, form);
  input.focus();
}
