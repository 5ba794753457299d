// The session and the API client. The token comes from the URL fragment
// (#token=JWT, which browsers never send to a server) or is pasted once; it
// is kept in sessionStorage and sent only in the Authorization header.

const KEY = "mailmeter.token";

// takeFragmentToken moves a token from the fragment into the session and
// clears it from the address bar and the history.
export function takeFragmentToken() {
  const m = /^#token=([A-Za-z0-9_\-.]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(KEY, m[1]);
  history.replaceState(null, "", location.pathname + location.search + "#/");
}

export function token() { return sessionStorage.getItem(KEY) || ""; }
export function setToken(t) { sessionStorage.setItem(KEY, t.trim()); }
export function signOut() { sessionStorage.removeItem(KEY); }

// claims decodes the token's payload for display and navigation only; the
// server verifies every request.
export function claims(t = token()) {
  try {
    const p = t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const c = JSON.parse(atob(p + "=".repeat((4 - p.length % 4) % 4)));
    return { role: c.role || "", subject: c.sub || "", exp: c.exp ? new Date(c.exp * 1000) : null };
  } catch {
    return null;
  }
}

// APIError is a problem+json answer.
export class APIError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || ("HTTP " + status));
    this.status = status;
    this.problem = problem;
  }
}

function url(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== "") q.set(k, v);
  }
  const s = q.toString();
  return path + (s ? "?" + s : "");
}

async function request(path, params, accept = "application/json") {
  const resp = await fetch(url(path, params), {
    headers: { Authorization: "Bearer " + token(), Accept: accept },
    credentials: "omit",
    cache: "no-store",
  });
  if (!resp.ok) {
    let problem = {};
    try { problem = await resp.json(); } catch { /* not JSON */ }
    throw new APIError(resp.status, problem);
  }
  return resp;
}

// get returns a route's JSON; errors are APIError.
export async function get(path, params) {
  return (await request(path, params)).json();
}

// optional is get for a route this server may not have yet: null on 404.
export async function optional(path, params) {
  try {
    return await get(path, params);
  } catch (e) {
    if (e instanceof APIError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

// pdf fetches a document as PDF; null when the server does not offer one.
export async function pdf(path) {
  try {
    const resp = await request(path, {}, "application/pdf");
    if (!(resp.headers.get("Content-Type") || "").startsWith("application/pdf")) return null;
    return await resp.blob();
  } catch (e) {
    if (e instanceof APIError && [404, 406, 415].includes(e.status)) return null;
    throw e;
  }
}

// readiness is /readyz (no token): status and, where kept, dead letters.
export async function readiness() {
  const resp = await fetch("/readyz", { cache: "no-store", credentials: "omit" });
  let body = {};
  try { body = await resp.json(); } catch { /* not JSON */ }
  return { ok: resp.ok, status: body.status || (resp.ok ? "ready" : "unavailable"), deadLetters: body.dead_letters || 0, detail: body.detail || "" };
}

// all pages through a list route (items, next_cursor), up to max items.
export async function all(path, params, max = 5000) {
  const out = [];
  let cursor = "";
  do {
    const page = await get(path, { ...params, limit: 1000, cursor });
    out.push(...page.items);
    cursor = page.next_cursor || "";
  } while (cursor && out.length < max);
  return out;
}
