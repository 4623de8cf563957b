// The demo page's script: sign in (with the emailed code step), a guarded call, the session list, sign out, and
// "Create an account" (sign-up, then the mailed link's token).
// The cookie transport: the server keeps the refresh token in an HttpOnly cookie this script cannot read, so a reload
// stays signed in; the access token lives in this script's memory only (never document.cookie or web storage).
(function () {
  'use strict';

  const AUTH = '/auth';
  /** Opts a request into the cookie transport: tokens that last go in the HttpOnly cookie, not in the answer. */
  const COOKIE_TRANSPORT = { 'X-Auth-Transport': 'cookie' };

  let accessToken = null;
  let challengeToken = null;
  let account = null; // { login, authorities } from GET /auth/session
  // An expired password's sign-in attempt, kept until the new password is set (the change proves the old one).
  let expiredSignIn = null; // { username, password }

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
    const { body, token, cookies } = options || {};
    const headers = { Accept: 'application/json', ...(cookies ? COOKIE_TRANSPORT : {}) };
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
      const message =
        data && typeof data.message === 'string' ? data.message : 'The server answered ' + response.status + '.';
      throw new ApiError(response.status, code, message);
    }
    return data;
  }

  /** A new access token through the refresh cookie; false when there is no session (no cookie, or it has ended). */
  async function refresh() {
    try {
      accessToken = (await api('POST', AUTH + '/token/refresh', { cookies: true })).accessToken;
      return true;
    } catch (error) {
      if (error.status === 400 || error.status === 401) return false;
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
    challengeToken = null;
    account = null;
    expiredSignIn = null;
  }

  // ---- what the page shows ----

  function show(state) {
    for (const id of ['signed-out', 'password-expired', 'code-needed', 'signed-in']) byId(id).hidden = id !== state;
    byId('sign-up').hidden = state !== 'signed-out';
    const focus = {
      'signed-out': 'username',
      'password-expired': 'new-password',
      'code-needed': 'code',
      'signed-in': 'call-protected',
    }[state];
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
    // A new attempt clears the last one's error at once (not only when the whole action, lists included, is done).
    byId('error').hidden = true;
    try {
      await action();
    } catch (error) {
      fail(error);
    } finally {
      button.disabled = false;
    }
  }

  async function enterSession(token) {
    accessToken = token;
    challengeToken = null;
    account = await authed('GET', AUTH + '/session');
    byId('who').textContent = account.login;
    byId('persistence').textContent =
      'A reload keeps you signed in: the refresh token is in an HttpOnly cookie this page cannot read.';
    byId('protected-result').hidden = true;
    show('signed-in');
    await loadSessions();
    await loadPasskeys();
    await loadTrustedDevices();
  }

  // ---- sessions (GET /auth/sessions; hidden where the server has no such route) ----

  // The label of a session's client ("Safari on iOS"): client-label.js, loaded before this script.
  const describeClient = window.describeClient;

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
      when.textContent =
        'signed in ' +
        new Date(session.createdAt).toLocaleString() +
        ' · last used ' +
        new Date(session.lastUsedAt).toLocaleString() +
        (session.client.network ? ' · from ' + session.client.network : '');
      text.append(client, when);
      const end = document.createElement('button');
      end.type = 'button';
      end.className = 'secondary small';
      end.textContent = 'End';
      end.setAttribute(
        'aria-label',
        'End the session of ' + client.textContent + (session.current ? ' (this page)' : ''),
      );
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
      say("This page's session has ended.");
      return;
    }
    await loadSessions();
    say('The session has ended.');
  }

  // ---- passkeys (WebAuthn; hidden where the server has no passkey routes) ----

  const fromB64url = (text) =>
    Uint8Array.from(window.atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const toB64url = (buffer) =>
    window
      .btoa(String.fromCharCode(...new Uint8Array(buffer)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
  const descriptors = (list) => (list || []).map((d) => ({ ...d, id: fromB64url(d.id) }));

  /** A token-bearing JSON request with a body (the authed() helper sends none). */
  async function authedWithBody(method, path, body) {
    return api(method, path, { token: accessToken, body });
  }

  function renderPasskeys(passkeys) {
    const list = byId('passkeys');
    list.replaceChildren();
    for (const passkey of passkeys) {
      const item = document.createElement('li');
      item.dataset.passkeyId = passkey.id;
      const text = document.createElement('div');
      const name = document.createElement('div');
      name.className = 'client';
      name.textContent = passkey.name;
      const when = document.createElement('div');
      when.className = 'when';
      when.textContent =
        'added ' +
        new Date(passkey.createdAt).toLocaleString() +
        ' · ' +
        (passkey.lastUsedAt ? 'last used ' + new Date(passkey.lastUsedAt).toLocaleString() : 'never used');
      text.append(name, when);
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'secondary small';
      remove.textContent = 'Delete';
      remove.setAttribute('aria-label', 'Delete the passkey ' + passkey.name);
      remove.addEventListener('click', () =>
        busy(remove, async () => {
          await authed('DELETE', AUTH + '/passkeys/' + encodeURIComponent(passkey.id));
          await loadPasskeys();
          say('The passkey was deleted.');
        }),
      );
      item.append(text, remove);
      list.append(item);
    }
  }

  async function loadPasskeys() {
    const panel = byId('passkeys-panel');
    try {
      renderPasskeys((await authed('GET', AUTH + '/passkeys')).passkeys);
      panel.hidden = !window.PublicKeyCredential;
    } catch (error) {
      panel.hidden = true;
      if (error.status !== 404) throw error;
    }
  }

  async function addPasskey(password) {
    const options = await authedWithBody('POST', AUTH + '/passkeys/register/options', { password });
    const credential = await window.navigator.credentials.create({
      publicKey: {
        ...options,
        challenge: fromB64url(options.challenge),
        user: { ...options.user, id: fromB64url(options.user.id) },
        excludeCredentials: descriptors(options.excludeCredentials),
      },
    });
    const response = credential.response;
    await authedWithBody('POST', AUTH + '/passkeys/register', {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toB64url(response.clientDataJSON),
        attestationObject: toB64url(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : undefined,
      },
      clientExtensionResults: {},
      name: describeClient(window.navigator.userAgent),
    });
  }

  async function signInWithPasskey() {
    const options = await api('POST', AUTH + '/passkeys/login/options', { body: {} });
    const credential = await window.navigator.credentials.get({
      publicKey: {
        ...options,
        challenge: fromB64url(options.challenge),
        allowCredentials: descriptors(options.allowCredentials),
      },
    });
    const response = credential.response;
    const data = await api('POST', AUTH + '/passkeys/login', {
      cookies: true,
      body: {
        id: credential.id,
        rawId: toB64url(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: toB64url(response.clientDataJSON),
          authenticatorData: toB64url(response.authenticatorData),
          signature: toB64url(response.signature),
          userHandle: response.userHandle ? toB64url(response.userHandle) : undefined,
        },
        clientExtensionResults: {},
      },
    });
    await enterSession(data.accessToken);
  }

  byId('add-passkey').addEventListener('click', () => {
    byId('passkey-form').hidden = false;
    byId('add-passkey').hidden = true;
    byId('passkey-password').focus();
  });

  byId('cancel-passkey').addEventListener('click', () => {
    byId('passkey-form').reset();
    byId('passkey-form').hidden = true;
    byId('add-passkey').hidden = false;
  });

  byId('passkey-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    busy(form.querySelector('button[type=submit]'), async () => {
      const password = form.password.value;
      form.reset();
      await addPasskey(password);
      form.hidden = true;
      byId('add-passkey').hidden = false;
      await loadPasskeys();
      say('A passkey was added: sign out and use "Sign in with a passkey".');
    });
  });

  byId('passkey-sign-in').addEventListener('click', (event) =>
    busy(event.currentTarget, async () => {
      say('');
      if (!window.PublicKeyCredential) throw new Error('This browser has no passkeys (WebAuthn).');
      await signInWithPasskey();
      say('Signed in with a passkey.');
    }),
  );

  // ---- trusted browsers (GET/DELETE /auth/trusted-devices; hidden where the server has them off) ----

  async function loadTrustedDevices() {
    const panel = byId('trusted-panel');
    try {
      const devices = (await authed('GET', AUTH + '/trusted-devices')).trustedDevices;
      const here = devices.some((device) => device.current);
      byId('trusted-summary').textContent =
        devices.length === 0
          ? 'No browser skips the code at sign-in.'
          : devices.length +
            (devices.length === 1 ? ' browser skips' : ' browsers skip') +
            ' the code at sign-in' +
            (here ? ', this one included.' : '.');
      byId('forget-trusted').disabled = devices.length === 0;
      panel.hidden = false;
    } catch (error) {
      panel.hidden = true;
      if (error.status !== 404) throw error;
    }
  }

  byId('forget-trusted').addEventListener('click', (event) =>
    busy(event.currentTarget, async () => {
      await authed('DELETE', AUTH + '/trusted-devices');
      await loadTrustedDevices();
      say('Every trusted browser was forgotten: the next sign-in asks for the code again.');
    }),
  );

  // ---- the forms and buttons ----

  /** A password login: the emailed-code step when the user has one, else signed in. */
  async function signIn(username, password) {
    const data = await api('POST', AUTH + '/login', { cookies: true, body: { username, password } });
    if (data.tfaRequired) {
      challengeToken = data.challengeToken;
      byId('code-method').textContent = data.method === 'EMAIL' ? 'your email address' : 'your authenticator app';
      byId('code-form').reset();
      show('code-needed');
      say('The password was right: one more step.');
      return;
    }
    await enterSession(data.accessToken);
    say('Signed in.');
  }

  byId('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    busy(form.querySelector('button'), async () => {
      say('');
      const username = form.username.value;
      const password = form.password.value;
      try {
        await signIn(username, password);
        form.password.value = '';
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'password_expired') throw error;
        form.password.value = '';
        // The right password, but expired: it cannot get a token, so the change names the user and proves the old one.
        expiredSignIn = { username, password };
        byId('expired-login').textContent = username;
        byId('expired-form').reset();
        byId('expired-username').value = username;
        show('password-expired');
        say('The password was right but has expired: choose a new one to sign in.');
      }
    });
  });

  byId('expired-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    busy(form.querySelector('button[type=submit]'), async () => {
      if (!expiredSignIn) throw new Error('Sign in again first.');
      const newPassword = form.newPassword.value;
      if (newPassword !== form.confirmPassword.value)
        throw new Error('The two new passwords differ: type the same one twice.');
      // POST /auth/account/password without a token: allowed for an expired password only, naming the user.
      await api('POST', AUTH + '/account/password', {
        body: { username: expiredSignIn.username, currentPassword: expiredSignIn.password, newPassword },
      });
      const { username } = expiredSignIn;
      expiredSignIn = null;
      form.reset();
      await signIn(username, newPassword);
      if (accessToken) say('Your password was changed, and you are signed in.');
    });
  });

  byId('cancel-expired').addEventListener('click', () => {
    forget();
    byId('expired-form').reset();
    show('signed-out');
    say('');
  });

  byId('sign-up-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    busy(form.querySelector('button'), async () => {
      say('');
      // The same answer whether or not the address already has an account (its owner is mailed a notice instead).
      await api('POST', AUTH + '/register', {
        body: { username: form.login.value.trim(), email: form.email.value.trim(), password: form.secret.value },
      });
      form.secret.value = '';
      byId('confirm-form').hidden = false;
      byId('confirm-link').focus();
      say('Check your mail: open the link to confirm the address, then sign in.');
    });
  });

  /** The token of a pasted link (its `token` query parameter), or the pasted text itself. */
  function tokenOf(pasted) {
    const text = pasted.trim();
    try {
      return new window.URL(text).searchParams.get('token') || text;
    } catch {
      return text;
    }
  }

  byId('confirm-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    busy(form.querySelector('button'), async () => {
      await api('POST', AUTH + '/register/verify', { body: { token: tokenOf(form.link.value) } });
      form.reset();
      form.hidden = true;
      byId('sign-up-form').reset();
      byId('username').value = '';
      byId('username').focus();
      say('The address is confirmed: sign in with your new account.');
    });
  });

  byId('code-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    busy(form.querySelector('button[type=submit]'), async () => {
      const data = await api('POST', AUTH + '/tfa/verify', {
        cookies: true,
        token: challengeToken,
        body: { code: form.code.value.trim(), rememberDevice: form.rememberDevice.checked },
      });
      await enterSession(data.accessToken);
      say('Signed in.');
    });
  });

  byId('resend').addEventListener('click', (event) =>
    busy(event.currentTarget, async () => {
      await api('POST', AUTH + '/tfa/resend', { token: challengeToken });
      say('A new code was sent.');
    }),
  );

  byId('cancel-code').addEventListener('click', () => {
    forget();
    show('signed-out');
    say('');
  });

  byId('call-protected').addEventListener('click', (event) =>
    busy(event.currentTarget, async () => {
      const data = await authed('GET', '/api/protected');
      byId('protected-message').textContent = '/api/protected answered: ' + data.message;
      byId('result-login').textContent = account.login;
      byId('result-authorities').textContent = data.authorities.join(', ');
      byId('result-user').textContent = data.user;
      byId('protected-result').hidden = false;
      say('');
    }),
  );

  byId('reload-sessions').addEventListener('click', (event) => busy(event.currentTarget, loadSessions));

  byId('sign-out').addEventListener('click', (event) =>
    busy(event.currentTarget, async () => {
      forget();
      show('signed-out');
      try {
        await api('POST', AUTH + '/logout', { cookies: true }); // ends the session and clears the cookie
      } catch (error) {
        if (error.status !== 400 && error.status !== 401) throw error; // already over
      }
      say('Signed out.');
    }),
  );

  // On load: a refresh cookie from an earlier visit (or another tab) signs this page in. The page cannot see its
  // HttpOnly cookie, so it asks the demo server whether one came along (GET /session-hint, always 200) and refreshes
  // only then: a first visit makes no request that fails (a refresh without a cookie answers 401, a console error).
  async function mayHaveSession() {
    try {
      return (await api('GET', '/session-hint')).refreshCookie === true;
    } catch (error) {
      // Another server (no hint route): try the refresh as before.
      if (error.status === 404) return true;
      throw error;
    }
  }

  (async () => {
    say('');
    try {
      if ((await mayHaveSession()) && (await refresh())) {
        await enterSession(accessToken);
        return;
      }
    } catch (error) {
      fail(error);
    }
    show('signed-out');
  })();
})();
