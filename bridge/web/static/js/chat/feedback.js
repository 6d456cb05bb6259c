// The web chat's side of issue 16 items 2 and 5: typing both ways, read receipts both ways,
// and the post-chat survey (1-5 and a comment, once, after the agent ended the chat).
// main.js hands every row to `row()` (and notices to `typing()`); the rest wires itself.

import { $, h } from "../dom.js";
import { TypingIndicator, TypingSender } from "../typing.js";

const LABELS = { 1: "Very poor", 2: "Poor", 3: "OK", 4: "Good", 5: "Excellent" };

export function mountFeedback(api, base) {
  const indicator = h("p", { id: "typing-indicator", class: "typing-indicator muted small", attrs: { "aria-live": "polite" } });
  $("#messages").after(indicator);
  const typing = new TypingIndicator(indicator);
  const sender = new TypingSender((on) => api.post(`${base}/typing`, { typing: on }));
  $("#message").addEventListener("input", (event) => (event.target.value.trim() ? sender.typed() : sender.stop()));
  $("#send-form").addEventListener("submit", () => sender.stop());
  const receipts = new Receipts(api, base);
  const survey = new Survey(api, base);
  return {
    typing: (row) => typing.notice(row),
    row(row, li) {
      const p = row.payload || {};
      if (row.type === "MessagePosted") {
        if (li) li.dataset.n = String(p.n);
        if (p.sender === "agent") {
          typing.hide();
          receipts.read(p.n);
        }
      } else if (row.type === "MessagesRead" && p.reader === "agent") receipts.shown(p.up_to);
      else if (row.type === "ChatClosed") {
        typing.hide();
        if (row.agent_id) survey.offer();
      } else if (row.type === "SurveyAnswered") survey.thanks(p.rating);
    },
  };
}

/** Tell the agent how far I read (when the page is visible); mark my messages the agent read. */
class Receipts {
  constructor(api, base) {
    this.api = api;
    this.base = base;
    this.told = 0;
    this.latest = 0;
    document.addEventListener("visibilitychange", () => this.flush());
  }

  read(n) {
    this.latest = Math.max(this.latest, n || 0);
    this.flush();
  }

  flush() {
    if (document.visibilityState !== "visible" || this.latest <= this.told) return;
    const upTo = this.latest;
    this.told = upTo;
    this.api.post(`${this.base}/read`, { up_to: upTo }).catch(() => {
      this.told = 0; // try again with the next message
    });
  }

  shown(upTo) {
    for (const li of document.querySelectorAll("#messages li.bubble-me[data-n]")) {
      if (Number(li.dataset.n) > upTo || li.querySelector(".read-receipt")) continue;
      li.querySelector(".bubble-head").append(h("span", { class: "read-receipt", text: "Read", attrs: { title: "The agent has read this" } }));
    }
  }
}

/** The post-chat survey: shown once the chat ended in an agent's hands, while it is open. */
class Survey {
  constructor(api, base) {
    this.api = api;
    this.base = base;
    this.el = null;
  }

  async offer() {
    if (this.el) return;
    let state;
    try {
      state = await this.api.get(`${this.base}/survey`);
    } catch {
      return;
    }
    if (state.state === "answered") return this.thanks();
    if (state.state === "open") this.form();
  }

  place(el) {
    if (this.el) this.el.replaceWith(el);
    else $(".talk-footer").before(el);
    this.el = el;
  }

  form() {
    const error = h("p", { class: "form-error", attrs: { role: "alert" } });
    const comment = h("textarea", { id: "survey-comment", rows: 2, maxLength: 2000 });
    const choices = [1, 2, 3, 4, 5].map((n) => h("label", { class: "survey-choice" },
      h("input", { type: "radio", name: "survey-rating", value: String(n), required: true }),
      h("span", { text: `${n}` }), h("span", { class: "visually-hidden", text: ` ${LABELS[n]}` })));
    const form = h("form", { id: "survey", class: "survey", on: { submit: (event) => this.send(event, form, comment, error) } },
      h("fieldset", {},
        h("legend", { text: "How was this chat? (1 very poor, 5 excellent)" }),
        h("div", { class: "survey-choices" }, choices)),
      h("label", { text: "Anything to add? (optional)", attrs: { for: "survey-comment" } }),
      comment, error,
      h("button", { type: "submit", class: "btn btn-primary", id: "survey-send", text: "Send rating" }));
    this.place(form);
  }

  async send(event, form, comment, error) {
    event.preventDefault();
    const picked = form.querySelector('input[name="survey-rating"]:checked');
    if (!picked) {
      error.textContent = "Please choose a rating from 1 to 5.";
      return;
    }
    try {
      await this.api.post(`${this.base}/survey`, { rating: Number(picked.value), comment: comment.value.trim() });
      this.thanks(Number(picked.value));
    } catch (err) {
      if (err.code === "survey_already_answered") this.thanks();
      else error.textContent = err.message;
    }
  }

  thanks(rating) {
    const text = rating ? `Thank you for your feedback (${rating} of 5).` : "Thank you for your feedback.";
    this.place(h("p", { id: "survey", class: "survey survey-done", text }));
  }
}
