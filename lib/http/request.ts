// Reading a request: the JSON body checked against a route's schema, the bearer credential, the device cookie, and
// whether the client is still there.
import express, { type Request, type RequestHandler, type Response } from 'express';
import { type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { AuthError } from '../errors';

/** Our JSON parser: small bodies only. A host's own express.json() before us is respected. */
export const parseJsonBody: RequestHandler = express.json({
  limit: '16kb',
  strict: true,
  type: ['application/json', 'application/*+json'],
});

/**
 * Whether the request came with a body, read from the headers only: Express 4's body parser leaves `{}` where
 * Express 5's leaves `undefined`, so `req.body` cannot tell. An empty body declared as JSON counts as one (its missing
 * fields are then named).
 */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) return true;
  return length === '0' && Boolean(req.is(['application/json', 'application/*+json']));
}

/** Whether the request came with no body at all (datarhei's identity-provider login is a POST without one). */
export function hasNoBody(req: Request): boolean {
  return !hasBody(req);
}

/**
 * Whether the request carries no content: no body, or one declared empty (`Content-Length: 0`), which httpx sends on
 * every POST without content (datarhei's Python SDK logs in with its identity-provider token that way).
 */
export function hasNoContent(req: Request): boolean {
  return !hasBody(req) || (req.headers['content-length'] === '0' && req.headers['transfer-encoding'] === undefined);
}

/**
 * The JSON object body, or a 400: no body at all, a wrong content type (answered 400 as `unsupported_media_type`),
 * or JSON that is not an object.
 */
function jsonObjectBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (!hasBody(req)) throw new AuthError('invalid_request', { message: 'A JSON object body is required.' });
  if (!req.is(['application/json', 'application/*+json'])) throw new AuthError('unsupported_media_type');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AuthError('invalid_request', { message: 'The request body must be a JSON object.' });
  }
  return body as Record<string, unknown>;
}

/** A route's body schema, compiled once, with the messages clients get when a field is wrong. */
export interface BodyReader<S extends TObject> {
  readonly schema: S;
  read(req: Request): Static<S>;
}

/**
 * Compiles a body schema. Only the schema's own properties are read (an `owner` or `__proto__` in the body is never
 * seen); a property that is `null` or `""` counts as absent, as clients send them for "not given".
 */
export function bodyReader<S extends TObject>(schema: S): BodyReader<S> {
  const check: TypeCheck<S> = TypeCompiler.Compile(schema);
  const names = Object.keys(schema.properties);
  return {
    schema,
    read(req) {
      const raw = jsonObjectBody(req);
      const picked: Record<string, unknown> = {};
      for (const name of names) {
        if (!Object.hasOwn(raw, name)) continue;
        const value = raw[name];
        if (value !== null && value !== '') picked[name] = value;
      }
      if (!check.Check(picked)) throw fieldError(check.Errors(picked).First(), schema);
      return picked as Static<S>;
    },
  };
}

/** One clear message naming the field, in the words of the field's kind. */
function fieldError(error: ValueError | undefined, schema: TObject): AuthError {
  const field = error?.path.split('/')[1] ?? '';
  const property: TSchema | undefined = schema.properties[field];
  const say = (text: string) => new AuthError('invalid_request', { message: `The field "${field}" ${text}` });
  if (error === undefined || property === undefined) return new AuthError('invalid_request');
  if (error.type === ValueErrorType.ObjectRequiredProperty) return say('is required.');
  switch (property.type) {
    case 'string':
      if (error.type === ValueErrorType.StringMaxLength) return say('is too long.');
      if (error.type === ValueErrorType.StringPattern) return say('must not contain U+0000.');
      return say('must be a string.');
    case 'boolean':
      return say('must be true or false.');
    case 'integer':
      return say(`must be a whole number from ${String(property.minimum)} to ${String(property.maximum)}.`);
    case 'array':
      return say('must be an array of strings.');
    default:
      return say('is malformed.');
  }
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

/**
 * Sets the device cookie (OWASP device cookies): HttpOnly so page script cannot read it, Secure and host-only with
 * Path=/ (what a `__Host-` name requires; browsers accept Secure cookies from http://localhost), SameSite=Strict.
 */
export function setDeviceCookie(res: Response, name: string, device: { token: string; lifetime: number }): void {
  res.cookie(name, device.token, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: '/',
    maxAge: device.lifetime * 1000,
    encode: String,
  });
}

// ---- credentials ----

/** What the `Authorization` header holds. */
export type Credential = { kind: 'none' } | { kind: 'other-scheme' } | { kind: 'bearer'; value: string };

// Returned for every request without a bearer value: the guard's hot path allocates nothing to say so.
const NO_CREDENTIAL: Credential = Object.freeze({ kind: 'none' });
const OTHER_SCHEME: Credential = Object.freeze({ kind: 'other-scheme' });

/** Whether `header` starts with "bearer" in any case, compared code by code (no lower-cased copy per request). */
function hasBearerScheme(header: string): boolean {
  // c | 0x20 folds exactly the upper-case letter onto its lower-case one, and maps no other code onto these letters.
  return (
    (header.charCodeAt(0) | 0x20) === 0x62 && // b
    (header.charCodeAt(1) | 0x20) === 0x65 && // e
    (header.charCodeAt(2) | 0x20) === 0x61 && // a
    (header.charCodeAt(3) | 0x20) === 0x72 && // r
    (header.charCodeAt(4) | 0x20) === 0x65 && // e
    (header.charCodeAt(5) | 0x20) === 0x72 // r
  );
}

/** The `Authorization` header's bearer value, or the shared answer saying why there is none. */
function bearerOrWhy(req: Request, bare: boolean): string | Credential {
  const header = req.headers.authorization;
  if (header === undefined || header === '') return NO_CREDENTIAL;
  if (header.length > 7 && header.charCodeAt(6) === 32 && hasBearerScheme(header)) {
    const value = header.slice(7).trim();
    return value === '' ? NO_CREDENTIAL : value;
  }
  if (bare && !header.includes(' ')) return header;
  return OTHER_SCHEME;
}

/** Reads `Authorization: Bearer <value>` (scheme case-insensitive); `bare` also takes a value with no scheme. */
export function readAuthorization(req: Request, bare: boolean): Credential {
  const read = bearerOrWhy(req, bare);
  return typeof read === 'string' ? { kind: 'bearer', value: read } : read;
}

/** The bearer value of {@link readAuthorization}, or undefined: for the guard, which needs no more and allocates nothing. */
export function readBearer(req: Request, bare: boolean): string | undefined {
  const read = bearerOrWhy(req, bare);
  return typeof read === 'string' ? read : undefined;
}

/** The bearer value, or `token_missing` (no header, or another scheme). */
export function requireBearer(req: Request, bare: boolean): string {
  const credential = readAuthorization(req, bare);
  if (credential.kind !== 'bearer') throw new AuthError('token_missing');
  return credential.value;
}
