// The REST API (docs/api.md) for the pages: JSON in and out, the CSRF
// header for host accounts, and the server's error sentence.
//
//   const { status, body, error } = await api('POST', '/api/v1/rooms', { title });
//
// Never throws: a network failure gives status 0.

let csrf = '';

export function setCsrf(token) {
  csrf = token || '';
}

// The readable error of a response body: {"error": "sentence"} or
// {"error": {"message": "sentence"}}.
export function errorText(body) {
  if (!body || body.error === undefined || body.error === null) return '';
  if (typeof body.error === 'string') return body.error;
  return String(body.error.message ?? '');
}

export async function api(method, path, data, { token, headers: extra } = {}) {
  const headers = { Accept: 'application/json', ...(extra || {}) };
  if (data !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: data === undefined ? undefined : JSON.stringify(data),
    });
  } catch {
    return { status: 0, body: null, error: '' };
  }
  let body = null;
  try {
    body = res.status === 204 ? null : await res.json();
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, error: errorText(body) };
}
