// A WebSocket that keeps itself open: it remembers the last event seq it delivered and, after
// a drop, reconnects with `since=<that seq>` (exponential backoff with jitter) so the server
// resumes strictly after it. Rows at or below the last seq are ignored, so a replayed row is
// never applied twice. Rows without a seq (Counts, QueueUpdate) are passed straight through.

export class Stream {
  /**
   * url(since) -> the ws URL to open; onRow(row); onStatus(status, info) with status one of
   * "connecting", "live", "reconnecting", "stopped"; info.resumed is true on a reconnect.
   * onRepeatedFailure() is awaited after a few failed attempts in a row (e.g. to check the
   * token); if it returns false the stream stops.
   */
  constructor({ url, onRow, onStatus = () => {}, onRepeatedFailure, since = 0, minDelay = 250, maxDelay = 15000 }) {
    this.url = url;
    this.onRow = onRow;
    this.onStatus = onStatus;
    this.onRepeatedFailure = onRepeatedFailure;
    this.since = since;
    this.minDelay = minDelay;
    this.maxDelay = maxDelay;
    this.failures = 0;
    this.connects = 0;
    this.ws = null;
    this.timer = null;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, "bye");
    this.ws = null;
    this.onStatus("stopped", {});
  }

  open() {
    this.onStatus(this.connects ? "reconnecting" : "connecting", { attempt: this.failures });
    const ws = new WebSocket(this.url(this.since));
    this.ws = ws;
    let opened = false;
    ws.addEventListener("open", () => {
      opened = true;
      this.failures = 0;
      this.connects += 1;
      this.onStatus("live", { resumed: this.connects > 1 });
    });
    ws.addEventListener("message", (event) => this.receive(event.data));
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!opened) this.failures += 1;
      if (!this.stopped) this.retry();
    });
  }

  receive(data) {
    let row;
    try {
      row = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof row.seq === "number") {
      if (row.seq <= this.since) return;
      this.since = row.seq;
    }
    this.onRow(row);
  }

  async retry() {
    this.onStatus("reconnecting", { attempt: this.failures });
    if (this.failures >= 3 && this.onRepeatedFailure) {
      const keepGoing = await this.onRepeatedFailure();
      if (keepGoing === false) {
        this.stop();
        return;
      }
    }
    const base = Math.min(this.maxDelay, this.minDelay * 2 ** Math.min(this.failures, 10));
    const delay = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.stopped) this.open();
    }, delay);
  }

  get live() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }
}
