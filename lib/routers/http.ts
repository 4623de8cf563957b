// The HTTP edge's shared parts: replies, body fields, bearer credentials, security headers and the error handler.
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AuthError, isAuthError } from '../errors';
import type { Logger } from '../logger';
import type { Preset, Reply, ReplyContext } from '../presets/types';
import type { Clock } from '../primitives/clock';

/** Sends a formatter's reply: JSON, text for a string body, nothing for a null body. */
export function sendReply(res: Response, reply: Reply): void {
  res.status(reply.status ?? 200);
  if (reply.headers) res.set(reply.headers);
  if (reply.body === null || reply.body === undefined) res.end();
  else if (typeof reply.body === 'string') res.type('text/plain; charset=utf-8').send(reply.body);
  else res.json(reply.body);
}

export function replyContext(req: Request, clock: Clock, forceSecondFactor: boolean): ReplyContext {
  const startedAt = (req as Request & { authStartedAt?: number }).authStartedAt ?? clock();
  return { startedAt, now: clock(), forceSecondFactor };
}

/**
 * Headers every response of ours carries: credentials must not be cached (RFC 6749 §5.1) or sniffed, and the
 * request's arrival is noted for formatters that report timing.
 */
export function authResponseHeaders(clock: Clock): RequestHandler {
  return (req, res, next) => {
    (req as Request & { authStartedAt?: number }).authStartedAt = clock();
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache', 'X-Content-Type-Options': 'nosniff' });
    next();
  };
}

/** Our JSON parser: small bodies only. A host's own express.json() before us is respected. */
export const parseJsonBody: RequestHandler = express.json({ limit: '16kb', strict: true, type: ['application/json', 'application/*+json'] });

/** Wraps an async handler so a rejection reaches the error handler instead of becoming an unhandled rejection. */
export function route(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    handler(req, res).catch(next);
  };
}

// ---- body fields ----

/** The JSON object body, or a 400: wrong content type, not an object, or no body at all. */
export function jsonBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  const hasBody = body !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) throw new AuthError('invalid_request', { message: 'A JSON object body is required.' });
  if (!req.is(['application/json', 'application/*+json'])) throw new AuthError('unsupported_media_type');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AuthError('invalid_request', { message: 'The request body must be a JSON object.' });
  }
  return body as Record<string, unknown>;
}

const MAX_STRING_FIELD = 1024;

export function stringField(body: Record<string, unknown>, name: string, required: true, maxLength?: number): string;
export function stringField(body: Record<string, unknown>, name: string, required: false, maxLength?: number): string | undefined;
export function stringField(body: Record<string, unknown>, name: string, required: boolean, maxLength = MAX_STRING_FIELD): string | undefined {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (value === undefined || value === null || value === '') {
    if (required) throw new AuthError('invalid_request', { message: `The field "${name}" is required.` });
    return undefined;
  }
  if (typeof value !== 'string') throw new AuthError('invalid_request', { message: `The field "${name}" must be a string.` });
  if (value.length > maxLength) throw new AuthError('invalid_request', { message: `The field "${name}" is too long.` });
  // No credential, name or code has a NUL, and PostgreSQL text cannot hold one: refused here, before any store call.
  if (value.includes('\u0000')) throw new AuthError('invalid_request', { message: `The field "${name}" must not contain U+0000.` });
  return value;
}

export function booleanField(body: Record<string, unknown>, name: string): boolean {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new AuthError('invalid_request', { message: `The field "${name}" must be true or false.` });
  return value;
}

export function positiveIntegerField(body: Record<string, unknown>, name: string, max: number): number | undefined {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new AuthError('invalid_request', { message: `The field "${name}" must be a whole number from 1 to ${max}.` });
  }
  return value;
}

export function stringArrayField(body: Record<string, unknown>, name: string): string[] | undefined {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 100 || value.some((item) => typeof item !== 'string' || item.length === 0 || item.length > 200)) {
    throw new AuthError('invalid_request', { message: `The field "${name}" must be an array of strings.` });
  }
  return value as string[];
}

// ---- the client ----

/**
 * A signal that fires when the client goes away before we answered, so queued password work for it can be dropped.
 * The response's 'close' fires on either end; only an unfinished response means the client left.
 */
export function clientGoneSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** The value of cookie `name` from the Cookie header, or undefined. No cookie parser needed for one name. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  for (const pair of header.split(';')) {
    const index = pair.indexOf('=');
    if (index > 0 && pair.slice(0, index).trim() === name) {
      const value = pair.slice(index + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/**
 * Sets the device cookie (OWASP device cookies): HttpOnly so page script cannot read it, Secure and host-only with
 * Path=/ (what a `__Host-` name requires; browsers accept Secure cookies from http://localhost), SameSite=Strict.
 */
export function setDeviceCookie(res: Response, name: string, device: { token: string; lifetime: number }): void {
  res.cookie(name, device.token, { httpOnly: true, secure: true, sameSite: 'strict', path: '/', maxAge: device.lifetime * 1000, encode: String });
}

// ---- credentials ----

/** What the `Authorization` header holds. */
export type Credential = { kind: 'none' } | { kind: 'other-scheme' } | { kind: 'bearer'; value: string };

/** Reads `Authorization: Bearer <value>` (scheme case-insensitive); `bare` also takes a value with no scheme. */
export function readAuthorization(req: Request, bare: boolean): Credential {
  const header = req.headers.authorization;
  if (header === undefined || header === '') return { kind: 'none' };
  if (header.length > 7 && header.charCodeAt(6) === 32 && header.slice(0, 6).toLowerCase() === 'bearer') {
    const value = header.slice(7).trim();
    return value === '' ? { kind: 'none' } : { kind: 'bearer', value };
  }
  if (bare && !header.includes(' ')) return { kind: 'bearer', value: header };
  return { kind: 'other-scheme' };
}

/** The bearer value, or `token_missing` (no header, or another scheme). */
export function requireBearer(req: Request, bare: boolean): string {
  const credential = readAuthorization(req, bare);
  if (credential.kind !== 'bearer') throw new AuthError('token_missing');
  return credential.value;
}

/** RFC 6750 §3: a challenge on every 401, with an error code once a token was sent; insufficient_scope on 403. */
export function wwwAuthenticate(error: AuthError): string | undefined {
  if (error.status === 401) {
    // RFC 9110 §15.5.2: every 401 carries a challenge; RFC 6750 §3: with an error code once a bearer credential (a
    // token, or an API key) was sent and refused.
    const credentialRefused = error.code !== 'token_missing' && (error.code.startsWith('token_') || error.code === 'api_key_invalid');
    return credentialRefused ? `Bearer realm="api", error="invalid_token", error_description="${error.message}"` : 'Bearer realm="api"';
  }
  if (error.code === 'forbidden') return 'Bearer realm="api", error="insufficient_scope"';
  return undefined;
}

/** Formats an AuthError in the preset's body, with Retry-After and WWW-Authenticate where they apply. */
export function sendAuthError(res: Response, preset: Preset, error: AuthError): void {
  const reply = preset.error(error);
  const headers: Record<string, string> = { ...reply.headers };
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  const challenge = wwwAuthenticate(error);
  if (challenge) headers['WWW-Authenticate'] = challenge;
  sendReply(res, { ...reply, headers });
}

/** Maps body-parser's failures to our codes; anything not ours becomes a 500 with no detail, logged. */
export function toAuthError(error: unknown, logger: Logger): AuthError {
  if (isAuthError(error)) return error;
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  if (type === 'entity.too.large') return new AuthError('payload_too_large');
  if (type === 'entity.parse.failed') return new AuthError('invalid_request', { message: 'The request body is not valid JSON.' });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new AuthError('unsupported_media_type');
  const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  if (typeof status === 'number' && status >= 400 && status < 500) return new AuthError('invalid_request');
  // Only the message: a stack or a request body could carry a password.
  logger.error(`[express-auth-kit] unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  return new AuthError('internal');
}

export function authErrorHandler(preset: Preset, logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    sendAuthError(res, preset, toAuthError(error, logger));
  };
}
