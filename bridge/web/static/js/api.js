// The bridge's public HTTP API, as the contract describes it: JSON in and out, errors as
// RFC 9457 problem details {type, title, status, detail, code, errors?}. No other way in.

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detailText(detail) || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

/** A readable sentence from an error detail (a string or pydantic's list of errors). */
export function detailText(detail) {
  if (!detail) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((e) => {
        const where = Array.isArray(e.loc) ? e.loc.filter((p) => p !== "body").join(".") : "";
        return where ? `${where}: ${e.msg}` : e.msg;
      })
      .join("; ");
  }
  return JSON.stringify(detail);
}

export class Api {
  /** auth: {token} (Bearer) or {apiKey} (X-API-Key), or nothing. */
  constructor(auth = {}) {
    this.auth = auth;
  }

  headers(extra = {}) {
    const headers = { Accept: "application/json", ...extra };
    if (this.auth.token) headers.Authorization = `Bearer ${this.auth.token}`;
    if (this.auth.apiKey) headers["X-API-Key"] = this.auth.apiKey;
    return headers;
  }

  async request(method, path, body, extraHeaders = {}) {
    const init = { method, headers: this.headers(extraHeaders), credentials: "omit" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      throw new ApiError(0, "network_error", "The bridge cannot be reached. Check your connection.");
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = { detail: text };
      }
    }
    if (!response.ok) {
      // Problem details (RFC 9457): a validation answer lists its fields in `errors`.
      throw new ApiError(response.status, data && data.code, data && (data.errors || data.detail));
    }
    return data;
  }

  get(path) {
    return this.request("GET", path);
  }

  /** Download a file with this client's credentials (no token in the URL). */
  async blob(path) {
    const response = await fetch(path, { headers: this.headers({ Accept: "*/*" }), credentials: "omit" });
    if (!response.ok) throw new ApiError(response.status, "download_failed", `The file could not be downloaded (HTTP ${response.status}).`);
    return response.blob();
  }
  post(path, body = {}, headers = {}) {
    return this.request("POST", path, body, headers);
  }
  put(path, body) {
    return this.request("PUT", path, body);
  }
  patch(path, body) {
    return this.request("PATCH", path, body);
  }
}

/** ws(s)://this-host/path?query: the streams live on the same origin as the page. */
export function wsUrl(path, params) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) query.set(key, String(value));
  }
  return `${scheme}//${window.location.host}${path}?${query}`;
}

export const enc = encodeURIComponent;

/** 128 random bits as hex (crypto.randomUUID needs a secure context; this does not). */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The Idempotency-Key of one thing being sent (a message, a handoff): the same key while
 * the same body is retried after no answer came (the bridge may have stored it: it answers
 * the retry with the first answer), a new one once an answer came or the body changed.
 */
export class RetryKey {
  constructor() {
    this.key = null;
    this.body = null;
  }

  headers(body) {
    const text = JSON.stringify(body);
    if (this.key === null || text !== this.body) {
      this.key = randomId();
      this.body = text;
    }
    return { "Idempotency-Key": this.key };
  }

  /** After an attempt: keep the key only if the network failed (status 0, no answer). */
  settle(err) {
    if (!err || err.status !== 0) this.key = null;
  }
}
