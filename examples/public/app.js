// The demo page's script: sign in (with the emailed code step), a guarded call, the session list, sign out.
// Tokens live in this script's variables only: never in document.cookie or web storage.
(function () {
  'use strict';

  const AUTH = '/auth';

  let accessToken = null;
  let refreshToken = null; // bearer transport: kept in memory, so a reload signs out
  let challengeToken = null;
  let account = null; // { login, authorities } from GET /auth/session

  const byId = (id) => document.getElementById(id);

  // ---- talking to the API ----

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** One JSON request; a refusal becomes an ApiError carrying the API's { error, message }. */
  async function api(method, path, options) {
    const { body, token } = options || {};
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = 'Bearer ' + token;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
      });
    } catch {
      throw new ApiError(0, 'network', 'The server cannot be reached. Is it still running?');
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const code = data && typeof data.error === 'string' ? data.error : 'http_' + response.status;
      const message = data && typeof data.message === 'string' ? data.message : 'The server answered ' + response.status + '.';
      throw new ApiError(response.status, code, message);
    }
    return data;
  }

  /** Takes the tokens of a login or refresh answer. */
  function keepTokens(data) {
    accessToken = data.accessToken;
    if (data.refreshToken) refreshToken = data.refreshToken;
  }

  /** A new access token from the refresh token; false when the session is over. */
  async function refresh() {
    if (!refreshToken) return false;
    try {
      keepTokens(await api('POST', AUTH + '/token/refresh', { body: { refreshToken } }));
      return true;
    } catch (error) {
      if (error.status === 401) return false;
      throw error;
    }
  }

  /** A request with the access token; an expired one is refreshed once. A session that ended signs the page out. */
  async function authed(method, path) {
    try {
      return await api(method, path, { token: accessToken });
    } catch (error) {
      if (error.status !== 401) throw error;
      if (error.code === 'token_expired' && (await refresh())) return api(method, path, { token: accessToken });
      forget();
      show('signed-out');
      throw error;
    }
  }

  function forget() {
    accessToken = null;
    refreshToken = null;
    challengeToken = null;
    account = null;
  }

  // ---- what the page shows ----

  function show(state) {
    for (const id of ['signed-out', 'code-needed', 'signed-in']) byId(id).hidden = id !== state;
    const focus = { 'signed-out': 'username', 'code-needed': 'code', 'signed-in': 'call-protected' }[state];
    if (focus) byId(focus).focus();
  }

  function say(message) {
    byId('error').hidden = true;
    byId('status').textContent = message || '';
  }

  function fail(error) {
    byId('status').textContent = '';
    const box = byId('error');
    box.textContent = error instanceof ApiError ? error.message + ' (' + error.code + ')' : String(error);
    box.hidden = false;
  }

  /** Runs an action with its button disabled, showing any error. */
  async function busy(button, action) {
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      fail(error);
    } finally {
      button.disabled = false;
    }
  }

  async function enterSession(data) {
    keepTokens(data);
    challengeToken = null;
    account = await authed('GET', AUTH + '/session');
    byId('who').textContent = account.login;
    byId('persistence').textContent = 'This page keeps its tokens in memory: a reload signs you out.';
    byId('protected-result').hidden = true;
    show('signed-in');
    await loadSessions();
  }

  // ---- sessions (GET /auth/sessions; hidden where the server has no such route) ----

  function describeClient(userAgent) {
    if (!userAgent) return 'An unknown client';
    const browser = /Edg\//.test(userAgent) ? 'Edge'
      : /Firefox\//.test(userAgent) ? 'Firefox'
        : /Chrom(e|ium)\//.test(userAgent) ? 'Chromium'
          : /Safari\//.test(userAgent) ? 'Safari'
            : userAgent.split(/[\s/]/)[0];
    const system = /Windows/.test(userAgent) ? 'Windows'
      : /Mac OS X/.test(userAgent) ? 'macOS'
        : /Android/.test(userAgent) ? 'Android'
          : /Linux/.test(userAgent) ? 'Linux' : '';
    return system ? browser + ' on ' + system : browser;
  }

  function renderSessions(sessions) {
    const list = byId('sessions');
    list.replaceChildren();
    for (const session of sessions) {
      const item = document.createElement('li');
      item.dataset.sessionId = session.id;
      const text = document.createElement('div');
      const client = document.createElement('div');
      client.className = 'client';
      client.textContent = describeClient(session.client.userAgent);
      client.title = session.client.userAgent || '';
      if (session.current) {
        const badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = 'this page';
        client.append(badge);
      }
      const when = document.createElement('div');
      when.className = 'when';
      when.textContent = 'signed in ' + new Date(session.createdAt).toLocaleString()
        + ' · last used ' + new Date(session.lastUsedAt).toLocaleString()
        + (session.client.network ? ' · from ' + session.client.network : '');
      text.append(client, when);
      const end = document.createElement('button');
      end.type = 'button';
      end.className = 'secondary small';
      end.textContent = 'End';
      end.setAttribute('aria-label', 'End the session of ' + client.textContent + (session.current ? ' (this page)' : ''));
      end.addEventListener('click', () => busy(end, () => endSession(session)));
      item.append(text, end);
      list.append(item);
    }
  }

  async function loadSessions() {
    const panel = byId('sessions-panel');
    try {
      const data = await authed('GET', AUTH + '/sessions');
      renderSessions(data.sessions);
      panel.hidden = false;
    } catch (error) {
      panel.hidden = true;
      if (error.status !== 404) throw error;
    }
  }

  async function endSession(session) {
    await authed('DELETE', AUTH + '/sessions/' + encodeURIComponent(session.id));
    if (session.current) {
      forget();
      show('signed-out');
      say('This page\'s session has ended.');
      return;
    }
    await loadSessions();
    say('The session has ended.');
  }

  // ---- the forms and buttons ----

  byId('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    busy(form.querySelector('button'), async () => {
      say('');
      const data = await api('POST', AUTH + '/login', { body: { username: form.username.value, password: form.password.value } });
      form.password.value = '';
      if (data.tfaRequired) {
        challengeToken = data.challengeToken;
        byId('code-method').textContent = data.method === 'EMAIL' ? 'your email address' : 'your authenticator app';
        byId('code-form').reset();
        show('code-needed');
        say('The password was right: one more step.');
        return;
      }
      await enterSession(data);
      say('Signed in.');
    });
  });

  byId('code-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    busy(form.querySelector('button[type=submit]'), async () => {
      const data = await api('POST', AUTH + '/tfa/verify', { token: challengeToken, body: { code: form.code.value.trim() } });
      await enterSession(data);
      say('Signed in.');
    });
  });

  byId('resend').addEventListener('click', (event) => busy(event.currentTarget, async () => {
    await api('POST', AUTH + '/tfa/resend', { token: challengeToken });
    say('A new code was sent.');
  }));

  byId('cancel-code').addEventListener('click', () => {
    forget();
    show('signed-out');
    say('');
  });

  byId('call-protected').addEventListener('click', (event) => busy(event.currentTarget, async () => {
    const data = await authed('GET', '/api/protected');
    byId('protected-message').textContent = '/api/protected answered: ' + data.message;
    byId('result-login').textContent = account.login;
    byId('result-authorities').textContent = data.authorities.join(', ');
    byId('result-user').textContent = data.user;
    byId('protected-result').hidden = false;
    say('');
  }));

  byId('reload-sessions').addEventListener('click', (event) => busy(event.currentTarget, loadSessions));

  byId('sign-out').addEventListener('click', (event) => busy(event.currentTarget, async () => {
    const token = refreshToken;
    forget();
    show('signed-out');
    if (token) {
      try {
        await api('POST', AUTH + '/logout', { body: { refreshToken: token } });
      } catch (error) {
        if (error.status !== 401) throw error; // already over
      }
    }
    say('Signed out.');
  }));

  show('signed-out');
})();
