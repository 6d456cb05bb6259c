// Typing notices both ways (issue 16): the sender throttles what it posts, the receiver shows
// "… is typing" until the other side stops, sends, or goes quiet (the notice's `expires`).
// Notices are never stored: a reload shows none, and that is right.

const RESEND_MS = 2500; // while typing, tell the other side again this often (under the rate limit)
const IDLE_MS = 3000; // no key pressed this long: "stopped typing"

export class TypingSender {
  /** `post(typing)` sends one notice; its failures (rate limit, chat ended) are ignored. */
  constructor(post) {
    this.post = post;
    this.sentAt = 0;
    this.active = false;
    this.idle = null;
  }

  /** Call on every input event of the composer. */
  typed() {
    const now = Date.now();
    if (!this.active || now - this.sentAt > RESEND_MS) {
      this.active = true;
      this.sentAt = now;
      this.send(true);
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), IDLE_MS);
  }

  /** Call when the message was sent or the text cleared. */
  stop() {
    clearTimeout(this.idle);
    if (!this.active) return;
    this.active = false;
    this.send(false);
  }

  send(typing) {
    Promise.resolve(this.post(typing)).catch(() => {});
  }
}

export class TypingIndicator {
  constructor(el) {
    this.el = el;
    this.timer = null;
    this.hide();
  }

  /** A notice row ({type: "Typing", payload: {typing, name, expires}}). */
  notice(row, name) {
    const p = row.payload || {};
    if (!p.typing) return this.hide();
    this.el.textContent = `${name || p.name || "Someone"} is typing…`;
    this.el.hidden = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.hide(), (p.expires || 6) * 1000);
  }

  hide() {
    clearTimeout(this.timer);
    this.el.hidden = true;
    this.el.textContent = "";
  }
}
