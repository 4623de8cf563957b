// POST forgot password: mails a reset link to a known address; the same answer for any address. The body is
// `{ "email": "…" }`, or (as JHipster clients send it) the address alone, as text/plain or as a JSON string.
import express, { type Request, type RequestHandler } from 'express';
import { requestPasswordReset } from '../../core/password-reset';
import { AuthError } from '../../errors';
import { hasNoBody } from '../request';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { noCredential } from '../credentials';

const emailSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 320,
  format: 'email',
  description: "The account's email address.",
  examples: ['alice@example.com'],
};

/** The request body as the OpenAPI document shows it: this route reads its own body (not only JSON objects). */
const forgotPasswordRequestBody = {
  required: true,
  description:
    'The email address: `{ "email": "…" }`, a JSON string, or the bare address as text/plain (JHipster clients).',
  content: {
    'application/json': {
      schema: {
        oneOf: [{ type: 'object', properties: { email: emailSchema }, required: ['email'] }, emailSchema],
      },
      example: { email: 'alice@example.com' },
    },
    'text/plain': { schema: emailSchema, example: 'alice@example.com' },
  },
} as const;

// Small bodies only; a JSON string is allowed here (not strict), and a host's own parser before us is respected.
const parsers: RequestHandler[] = [
  express.json({ limit: '2kb', strict: false, type: ['application/json', 'application/*+json'] }),
  express.text({ limit: '2kb', type: 'text/plain' }),
];

function runParser(parser: RequestHandler, req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    parser(req, req.res!, (error?: unknown) => (error ? reject(error as Error) : resolve()));
  });
}

/** The address from the body, or a 400 naming what is wrong. */
async function readForgotPasswordEmail(req: Request): Promise<string> {
  if (hasNoBody(req))
    throw new AuthError('invalid_request', { message: 'The body must be the email address, or { "email": "…" }.' });
  for (const parser of parsers) await runParser(parser, req);
  if (!req.is(['application/json', 'application/*+json', 'text/plain']))
    throw new AuthError('unsupported_media_type', { message: 'The body must be JSON or text/plain.' });
  const body: unknown = req.body;
  let email: unknown = body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body))
    email = Object.hasOwn(body, 'email') ? (body as Record<string, unknown>).email : undefined;
  if (typeof email !== 'string') throw new AuthError('invalid_request', { message: 'The field "email" is required.' });
  const trimmed = email.trim();
  if (trimmed.length === 0 || trimmed.length > 320 || trimmed.includes('\u0000'))
    throw new AuthError('invalid_request', { message: 'The field "email" must be an email address.' });
  return trimmed;
}

export const passwordForgotRoute = defineRoute({
  path: 'passwordForgot',
  method: 'post',
  operationId: 'requestPasswordReset',
  summary: 'Ask for a password-reset mail',
  description:
    'Mails a password-reset link to a known, enabled address. The same answer, in about the same time, for any address (a few requests per address per 15 minutes are honoured; past that nothing is sent). 503 `unavailable` when the mailer cannot send reset links.',
  tag: 'account',
  requestBody: forgotPasswordRequestBody,
  credential: noCredential(),
  limiter: 'login',
  mountedWhen: (edge) => edge.core.config.passwordReset !== false,
  answers: ['passwordResetRequested'],
  errors: [400, 413, 429, 503],
  async handle(edge, { req }) {
    await requestPasswordReset(edge.core, await readForgotPasswordEmail(req));
    return answer(edge, req, 'passwordResetRequested', undefined);
  },
});
