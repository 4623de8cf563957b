// A replay of UTMStack's Angular frontend (utmstack/UTMStack, frontend/src/app): the requests it sends, byte for byte
// as Angular's HttpClient puts them on the wire, and only what it reads from the answers. Not the client's code: its
// behaviour, each step citing the file and line it comes from.
//
// Versions read:
// - v10: tag v10.8.0-202504251110 (commit a355d740894ced8cfbace5913a44978f7bf89337), also branches v10 and v11 as
//   of May 2025, which have the same auth code.
// - v11+: `frontend/src/app/core/auth/auth-jwt.service.ts` as stored in the public search index (the line with
//   `renewCode()` and `POST api/tfa/verify-code`), and the backend it talks to,
//   `backend/src/main/java/com/park/utmstack/web/rest/tfa/TfaResource.java` (commit 75b62d0041cf1693939bcf63a9672cecd35be22e).
//
// What Angular's HttpClient sends (@angular/common/http, HttpXhrBackend and HttpRequest.detectContentTypeHeader):
// `Accept: application/json, text/plain, */*` on every request; an object body as JSON with
// `Content-Type: application/json`; a string body as is with `Content-Type: text/plain`. The AuthInterceptor
// (frontend/src/app/blocks/interceptor/auth.interceptor.ts:19-33, v10.8.0) adds `Authorization: Bearer <stored token>`
// whenever a token is stored. A non-2xx status is an error (HttpErrorResponse) with `headers` the client may read.

export const ANGULAR_ACCEPT = 'application/json, text/plain, */*';

export type FrontendVersion = 'v10' | 'v11';

/** One answer as the frontend sees it: status, headers, and the body parsed as Angular does for responseType json. */
export interface Seen {
  status: number;
  headers: Headers;
  /** JSON.parse of the text; null for an empty body (Angular's json responseType gives null), else the text. */
  body: unknown;
  text: string;
}

/** The request as put on the wire, for assertions on what was sent. */
export interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export class UtmstackFrontend {
  /** The token in local/session storage (SESSION_AUTH_TOKEN), as `storeAuthenticationToken` keeps it. */
  token: string | undefined;
  /** v11+: kept from a login answer only when `method` and `forceTfa` are set (auth-jwt.service.ts v11+ login()). */
  tfaMethod: string | undefined;
  tfaExpireTimeInSec: number | undefined;
  readonly sent: Sent[] = [];

  constructor(
    private readonly baseUrl: string,
    readonly version: FrontendVersion,
    /** The Content-Type a browser puts on a string body: `text/plain`, or with `;charset=UTF-8` as some XHRs add. */
    private readonly textContentType = 'text/plain',
  ) {}

  /** HttpClient: Accept always, the interceptor's bearer when a token is stored, the body's content type. */
  async http(method: 'GET' | 'POST', path: string, body?: object | string): Promise<Seen> {
    const headers: Record<string, string> = { Accept: ANGULAR_ACCEPT };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (typeof body === 'string') {
      headers['Content-Type'] = this.textContentType;
      payload = body;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    this.sent.push({ method, path, headers, body: payload });
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = null;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  /**
   * AuthServerProvider.login: POST api/authenticate {username, password, rememberMe}.
   * v10 (auth-jwt.service.ts:26-39): stores `resp.body.id_token`, resolves `resp.body.authenticated`.
   * v11+ (auth-jwt.service.ts lines 31-48): stores `resp.body.token`; keeps `method` and `tfaExpiresInSeconds` when
   * `method && forceTfa`; resolves the whole body.
   */
  async login(credentials: { username: string; password: string; rememberMe: boolean }): Promise<Seen> {
    const seen = await this.http('POST', '/api/authenticate', {
      username: credentials.username,
      password: credentials.password,
      rememberMe: credentials.rememberMe,
    });
    if (seen.status >= 200 && seen.status < 300) {
      const body = seen.body as Record<string, unknown>;
      if (this.version === 'v10') {
        this.token = body.id_token as string | undefined;
      } else {
        this.token = body.token as string | undefined;
        if (body.method && body.forceTfa) {
          this.tfaMethod = body.method as string;
          this.tfaExpireTimeInSec = body.tfaExpiresInSeconds as number;
        }
      }
    }
    return seen;
  }

  /**
   * AuthServerProvider.verifyCode; stores `resp.body.id_token`, resolves `resp.body.authenticated`.
   * v10 (auth-jwt.service.ts:41-48): GET api/tfa/verifyCode?code=<code>, the code concatenated unencoded.
   * v11+ (auth-jwt.service.ts lines 54-61): POST api/tfa/verify-code with the code string as the body.
   */
  async verifyCode(code: string): Promise<Seen> {
    const seen =
      this.version === 'v10'
        ? await this.http('GET', `/api/tfa/verifyCode?code=${code}`)
        : await this.http('POST', '/api/tfa/verify-code', code);
    if (seen.status >= 200 && seen.status < 300)
      this.token = (seen.body as Record<string, unknown>).id_token as string | undefined;
    return seen;
  }

  /** v11+ AuthServerProvider.renewCode (auth-jwt.service.ts lines 50-52): GET api/tfa/refresh. */
  renewCode(): Promise<Seen> {
    return this.http('GET', '/api/tfa/refresh');
  }

  /** AccountService.fetch/identity (account.service.ts:20, 82-95, v10.8.0): GET api/account; the body is the account. */
  identity(): Promise<Seen> {
    return this.http('GET', '/api/account');
  }

  /** AuthServerProvider.logout (auth-jwt.service.ts:80-94, v10.8.0): clears the stored token; no request. */
  logout(): void {
    this.token = undefined;
  }

  /** PasswordResetInitService.save (password-reset-init.service.ts:12-14, v10.8.0): the address as a string body. */
  resetPasswordInit(mail: string): Promise<Seen> {
    return this.http('POST', '/api/account/reset-password/init', mail);
  }

  /** PasswordResetFinishService.save (password-reset-finish.service.ts:12-14; component line 56): {key, newPassword}. */
  resetPasswordFinish(keyAndPassword: { key: string; newPassword: string }): Promise<Seen> {
    return this.http('POST', '/api/account/reset-password/finish', keyAndPassword);
  }

  /**
   * LoginComponent.login's error branch (login.component.ts:145-155, v10.8.0; the same in the v11 line):
   * `err.headers.get('X-UtmStack-error').includes('UserJWTController.authorize: blocked')` picks the toast; a missing
   * header throws (null.includes). Returns the toast the page would show.
   */
  static loginFailureToast(seen: Seen): 'Login blocked' | 'Login fail' {
    const utmStackError = seen.headers.get('X-UtmStack-error');
    if (utmStackError === null) throw new TypeError("Cannot read properties of null (reading 'includes')");
    return utmStackError.includes('UserJWTController.authorize: blocked') ? 'Login blocked' : 'Login fail';
  }
}
