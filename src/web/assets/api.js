// The page's client of the /_muxd/ API: the access token (kept out of URLs), JSON requests, 429 waits, and errors.
/** The access token of this tab, or null. */
export const token = takeToken();

// Not `Authorization`: that header is the browser's, which sends basic auth credentials in it when up has --auth.
/** The headers every API request carries. */
export const authHeaders = token ? { 'X-Muxd-Token': token } : {};

// The token arrives as #token=… (or a legacy ?token=…). It is kept for this tab in sessionStorage, removed from the
// address bar at once, and sent only as a header; the event stream gets an HttpOnly cookie instead (see startSession).
function takeToken() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  const given = hash.get('token') ?? query.get('token');
  if (given !== null) {
    hash.delete('token');
    query.delete('token');
    const q = query.toString();
    const h = hash.toString();
    history.replaceState(history.state, '', `${location.pathname}${q ? `?${q}` : ''}${h ? `#${h}` : ''}`);
    try {
      sessionStorage.setItem('muxd-token', given);
    } catch {
      // storage disabled: the token lives only as long as this page
    }
    return given;
  }
  try {
    return sessionStorage.getItem('muxd-token');
  } catch {
    return null;
  }
}

/** Trades the token for the session cookie the event stream needs (nothing to do without a token). */
export async function startSession() {
  if (!token) return;
  const res = await fetch('/_muxd/session', { method: 'POST', headers: authHeaders, cache: 'no-store' });
  if (!res.ok) throw new Error(`session: HTTP ${res.status}`);
}

/** A failed request: the server's error code and message, or the HTTP status. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? `HTTP_${status}`;
  }
}

/** GET `path?params` as JSON; 429 answers resolve with `{ retryAfter }` so the caller can wait and try again. */
export async function getJson(path, params, signal) {
  const q = new URLSearchParams(params).toString();
  const res = await fetch(`${path}${q ? `?${q}` : ''}`, { headers: authHeaders, cache: 'no-store', signal });
  if (res.status === 429) {
    await res.body?.cancel();
    const s = Number(res.headers.get('Retry-After'));
    return { retryAfter: Number.isFinite(s) && s > 0 ? Math.min(s, 60) : 1 };
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

/** GET `url` with the token header as a Blob (a download the token must authorise). */
export async function getBlob(url) {
  const res = await fetch(url, { headers: authHeaders, cache: 'no-store' });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  return res.blob();
}

/** POSTs text to the ingest endpoint; resolves with the response and its JSON body (`{}` if it had none). */
export async function postMessages(text) {
  const res = await fetch('/_muxd/messages', {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...authHeaders },
    body: text,
  });
  return { res, body: await res.json().catch(() => ({})) };
}
