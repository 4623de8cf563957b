// Answers: the preset's answer to a core result, a reply on the wire, errors in the preset's body with their HTTP
// headers, and the error handler.
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthError, isAuthError } from '../errors';
import { reportError, type Logger } from '../logger';
import {
  formatAnswer,
  formatError,
  type AnswerName,
  type AnswerResult,
  type Preset,
  type Reply,
  type ReplyContext,
} from '../presets/types';
import type { Clock } from '../primitives/clock';
import type { EdgeContext, EdgeSettings } from './context';

/** The active preset's answer `name` to the core's `result` (void answers take `undefined`), for the request `req`. */
export function answer<N extends AnswerName>(edge: EdgeContext, req: Request, name: N, result: AnswerResult<N>): Reply {
  return formatAnswer(edge.preset, name, result, edge.replyContext(req));
}

/** Sends a formatter's reply: JSON, text for a string body, nothing for a null body. */
export function sendReply(res: Response, reply: Reply): void {
  res.status(reply.status ?? 200);
  if (reply.headers) res.set(reply.headers);
  if (reply.body === null || reply.body === undefined) res.end();
  else if (typeof reply.body === 'string') res.type('text/plain; charset=utf-8').send(reply.body);
  else res.json(reply.body);
}

const STARTED_AT = Symbol('express-auth-kit.startedAt');
type TimedRequest = Request & { [STARTED_AT]?: number };

export function replyContext(req: Request, settings: EdgeSettings): ReplyContext {
  const now = settings.clock();
  return {
    startedAt: (req as TimedRequest)[STARTED_AT] ?? now,
    now,
    forceSecondFactor: settings.secondFactor.force,
    passwordMaxAgeSeconds: settings.passwords.maxAgeSeconds,
  };
}

/**
 * Headers every response of ours carries: credentials must not be cached (RFC 6749 §5.1) or sniffed, and the
 * request's arrival is noted for formatters that report timing.
 */
export function authResponseHeaders(clock: Clock): RequestHandler {
  return (req, res, next) => {
    (req as TimedRequest)[STARTED_AT] = clock();
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache', 'X-Content-Type-Options': 'nosniff' });
    next();
  };
}

/** RFC 6750 §3: a challenge on every 401, with an error code once a token was sent; insufficient_scope on 403. */
function wwwAuthenticate(error: AuthError): string | undefined {
  if (error.status === 401) {
    // RFC 9110 §15.5.2: every 401 carries a challenge; RFC 6750 §3: with an error code once a bearer credential (a
    // token, or an API key) was sent and refused.
    const credentialRefused =
      error.code !== 'token_missing' && (error.code.startsWith('token_') || error.code === 'api_key_invalid');
    return credentialRefused
      ? `Bearer realm="api", error="invalid_token", error_description="${error.message}"`
      : 'Bearer realm="api"';
  }
  if (error.code === 'forbidden') return 'Bearer realm="api", error="insufficient_scope"';
  return undefined;
}

/** Formats an AuthError in the preset's body, with Retry-After and WWW-Authenticate where they apply. */
export function sendAuthError(res: Response, preset: Preset, error: AuthError): void {
  const reply = formatError(preset, error);
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
  if (type === 'entity.parse.failed')
    return new AuthError('invalid_request', { message: 'The request body is not valid JSON.' });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new AuthError('unsupported_media_type');
  const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  if (typeof status === 'number' && status >= 400 && status < 500) return new AuthError('invalid_request');
  // Only the message: a stack or a request body could carry a password.
  reportError(logger, 'unexpected error', error);
  return new AuthError('internal');
}

export function authErrorHandler(preset: Preset, logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    sendAuthError(res, preset, toAuthError(error, logger));
  };
}
