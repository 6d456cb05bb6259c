// Single sign-on with the company's OpenID Connect provider: authorization code flow + PKCE.
// This page makes the PKCE code_verifier, the state and the nonce and keeps them in
// sessionStorage; the provider sends the browser back to /console/oidc/callback with a code,
// and the bridge (not this page) redeems it, checks the ID token and answers the same agent
// token as any other sign-in (POST /api/v1/oidc/session). So the page never talks to the
// provider with fetch: the CSP stays same-origin, and a client secret stays on the bridge.

import { Api } from "./api.js";
import { h } from "./dom.js";

const PENDING_KEY = "livechat.oidcPending";
export const CALLBACK_PATH = "/console/oidc/callback";
const RETURN_PAGES = ["/console", "/dashboard"];

function base64url(bytes) {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(size) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** Go to the provider's login; the browser comes back to CALLBACK_PATH. */
async function start(config) {
  const pending = {
    state: randomText(16),
    nonce: randomText(16),
    verifier: randomText(48),
    returnTo: RETURN_PAGES.includes(location.pathname) ? location.pathname : "/console",
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(config.authorization_endpoint);
  const params = {
    response_type: "code",
    client_id: config.client_id,
    redirect_uri: location.origin + config.redirect_path,
    scope: config.scopes.join(" "),
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: "S256",
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  window.location.assign(url.href);
}

/**
 * On the callback page: {token, returnTo} for the code the provider sent back; null on any
 * other page. Throws with a sentence when the sign-in failed (nothing is kept then).
 */
export async function finishSignOn() {
  if (location.pathname !== CALLBACK_PATH) return null;
  const params = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "null");
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, "", "/console"); // a code works once: a reload must not resend it
  if (params.get("error")) {
    throw new Error(`The identity provider said: ${params.get("error_description") || params.get("error")}`);
  }
  if (!pending || !params.get("code") || params.get("state") !== pending.state) {
    throw new Error("This sign-in was not started from this tab, or it was already used. Please start it again.");
  }
  const result = await new Api().post("/api/v1/oidc/session", {
    code: params.get("code"),
    code_verifier: pending.verifier,
    redirect_uri: location.origin + CALLBACK_PATH,
    nonce: pending.nonce,
  });
  return { token: result.token, returnTo: pending.returnTo };
}

/** The "Sign in with <provider>" card: hidden until the bridge says single sign-on is on. */
export function signOnCard(showError) {
  let config = null;
  const button = h("button", { type: "submit", class: "btn btn-primary", id: "signin-oidc" });
  const form = h(
    "form",
    {
      class: "card",
      hidden: true,
      on: {
        submit: async (e) => {
          e.preventDefault();
          button.disabled = true;
          try {
            await start(config);
          } catch (err) {
            button.disabled = false;
            showError(err);
          }
        },
      },
    },
    h("h2", { text: "Single sign-on" }),
    h("p", { class: "muted", text: "Sign in with your company account." }),
    button,
  );
  new Api()
    .get("/api/v1/oidc/config")
    .then((answer) => {
      if (!answer.enabled) return;
      config = answer;
      button.textContent = `Sign in with ${answer.name}`;
      form.hidden = false;
    })
    .catch((err) => showError(new Error(`Single sign-on is unavailable: ${err.message}`)));
  return form;
}
