// Agent sign-in shared by the console and the dashboard: paste an agent token (issued by
// `livechat-bridge token ...`) or, for local demos, sign in as a demo user (POST /api/v1/login).
// The token lives in sessionStorage: it survives a reload but not the closing of the tab.

import { Api, ApiError } from "./api.js";
import { fill, h } from "./dom.js";
import { finishSignOn, signOnCard } from "./oidc.js";

const TOKEN_KEY = "livechat.agentToken";

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  window.location.reload();
}

/**
 * Resolve with {token, api, info} once signed in. verify(api) must return what the page needs
 * (e.g. GET /api/v1/agent/me) and throw ApiError 401/403 for a token it cannot use.
 */
export async function signIn({ root, title, verify }) {
  let failure = null;
  try {
    const signedOn = await finishSignOn(); // back from the identity provider (oidc.js)
    if (signedOn) return await signedOnTo(signedOn, verify);
  } catch (err) {
    failure = err;
  }
  const stored = sessionStorage.getItem(TOKEN_KEY);
  if (stored) {
    try {
      return await accept(stored, verify);
    } catch (err) {
      sessionStorage.removeItem(TOKEN_KEY);
      if (!(err instanceof ApiError) || err.status === 0) throw err;
    }
  }
  return new Promise((resolve) => {
    root.hidden = false;
    fill(root, signInForms(title, verify, (result) => {
      root.hidden = true;
      fill(root);
      resolve(result);
    }, failure));
    root.querySelector("input").focus();
  });
}

/** The provider sent us back to the console; a sign-in started on the dashboard goes on there. */
async function signedOnTo({ token, returnTo }, verify) {
  if (returnTo === window.location.pathname) return accept(token, verify);
  sessionStorage.setItem(TOKEN_KEY, token);
  window.location.replace(returnTo);
  return new Promise(() => {}); // this page is going away
}

async function accept(token, verify) {
  const api = new Api({ token });
  const info = await verify(api);
  sessionStorage.setItem(TOKEN_KEY, token);
  return { token, api, info };
}

function signInForms(title, verify, done, failure) {
  const error = h("p", { class: "form-error", attrs: { role: "alert" }, text: failure ? explain(failure) : "" });
  const attempt = async (form, getToken) => {
    error.textContent = "";
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      done(await accept(await getToken(), verify));
    } catch (err) {
      error.textContent = explain(err);
    } finally {
      button.disabled = false;
    }
  };

  const tokenInput = h("input", { id: "signin-token", type: "password", autocomplete: "off", required: true });
  const tokenForm = h(
    "form",
    { class: "card", on: { submit: (e) => { e.preventDefault(); attempt(tokenForm, () => tokenInput.value.trim()); } } },
    h("h2", { text: "Agent token" }),
    h("label", { htmlFor: "signin-token", text: "Paste your agent token" }),
    tokenInput,
    h("button", { type: "submit", class: "btn btn-primary", text: "Sign in with token" }),
  );

  const user = h("input", { id: "signin-user", autocomplete: "username", required: true });
  const password = h("input", { id: "signin-password", type: "password", autocomplete: "current-password", required: true });
  const login = async () => {
    const result = await new Api().post("/api/v1/login", { username: user.value.trim(), password: password.value });
    return result.token;
  };
  const loginForm = h(
    "form",
    { class: "card", on: { submit: (e) => { e.preventDefault(); attempt(loginForm, login); } } },
    h("h2", { text: "Demo user" }),
    h("label", { htmlFor: "signin-user", text: "User name" }),
    user,
    h("label", { htmlFor: "signin-password", text: "Password" }),
    password,
    h("button", { type: "submit", class: "btn btn-primary", text: "Sign in" }),
  );

  return h(
    "div",
    { class: "signin-box" },
    h("h1", { text: title }),
    h("p", { class: "muted", text: "Sign in with an agent token, or as one of the demo users of this bridge." }),
    h("div", { class: "signin-forms" }, signOnCard((err) => { error.textContent = explain(err); }), loginForm, tokenForm),
    error,
  );
}

function explain(err) {
  if (!(err instanceof ApiError)) return String(err.message || err);
  if (err.code === "oidc_token_invalid") return `Single sign-on was not accepted: ${err.message}`;
  if (err.status === 401) return "That sign-in was not accepted. Check the token or the user name and password.";
  if (err.status === 403) return `This account may not use this page: ${err.message}`;
  return err.message;
}
