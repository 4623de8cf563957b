// Second-factor verify: the challenge token and a code (or one of the user's recovery codes) complete the login. One
// core call, three ways to send the code: POST `{code}` (our seed's), GET `?code=` (UTMStack v10's frontend) and POST
// with the code as the whole body (UTMStack v11+'s frontend); the same budget, lockout, events, cookies and answer.
import express, { type Request, type RequestHandler } from 'express';
import { Type } from '@sinclair/typebox';
import { verifySecondFactor } from '../../core/second-factor';
import { AuthError } from '../../errors';
import type { Reply } from '../../presets/types';
import type { EdgeContext } from '../context';
import { codeField } from '../fields';
import { bodyReader, hasNoBody } from '../request';
import { defineRoute, type RouteDeclaration, type RouteInput } from '../route';
import { challengeToken, type TokenInput } from '../credentials';
import { rememberDeviceField } from '../trusted-device-cookie';
import { loginReply } from './login-reply';

export const recoveryCodeField = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[^\\u0000]*$',
  description: 'One of the recovery codes, XXXX-XXXX-XXXX (case and dashes do not matter); each works once.',
  examples: ['ABCD-EFGH-JK23'],
});

const body = bodyReader(
  Type.Object(
    {
      code: Type.Optional({
        ...codeField,
        description: 'The six-digit code (emailed, or from the authenticator app). Send this or "recoveryCode".',
      }),
      recoveryCode: Type.Optional({
        ...recoveryCodeField,
        description: `${recoveryCodeField.description} In place of "code".`,
      }),
      rememberDevice: Type.Optional(rememberDeviceField),
    },
    { examples: [{ code: '123456' }] },
  ),
);

export const tfaVerifyRoute = defineRoute({
  path: 'tfaVerify',
  method: 'post',
  operationId: 'verifySecondFactor',
  summary: 'Verify the second factor',
  description:
    'Completes a login with the code of its second factor, or a recovery code (the challenge token as bearer). A wrong code: 401 `tfa_invalid`; too many: 401 `tfa_attempts_exceeded`.',
  tag: 'second factor',
  body,
  credential: challengeToken(),
  limiter: 'second-factor',
  answers: ['login'],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { req, res, token, deviceToken, fields }) {
    const { code, recoveryCode, rememberDevice } = fields;
    if ((code === undefined) === (recoveryCode === undefined)) {
      throw new AuthError('invalid_request', {
        message:
          code === undefined
            ? 'The field "code" is required (or "recoveryCode").'
            : 'Send "code" or "recoveryCode", not both.',
      });
    }
    return completeSecondFactor(edge, { req, res, token, deviceToken }, code, recoveryCode, rememberDevice);
  },
});

/** The one path every verify route takes: the core's check of the challenge and code, then a completed login's answer. */
async function completeSecondFactor(
  edge: EdgeContext,
  { req, res, token, deviceToken }: Pick<RouteInput<unknown>, 'req' | 'res' | 'deviceToken'> & TokenInput,
  code: string | undefined,
  recoveryCode?: string,
  rememberDevice?: boolean,
): Promise<Reply> {
  return loginReply(
    edge,
    req,
    res,
    await verifySecondFactor(edge.core, { challengeToken: token, code, recoveryCode, deviceToken, rememberDevice }),
  );
}

/** The code, trimmed, if it is one: 1 to 16 characters, no U+0000. */
function codeOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const code = value.trim();
  return code.length === 0 || code.length > codeField.maxLength! || code.includes('\u0000') ? null : code;
}

// What the alternative verify routes share with POST {code}: credential, limiter, answers and errors.
const verifyRouteBase = {
  tag: 'second factor',
  credential: challengeToken(),
  limiter: 'second-factor',
  answers: ['login'],
  errors: [400, 401, 403, 413, 429, 503],
} as const satisfies Partial<RouteDeclaration>;

/** GET `?code=`: UTMStack v10's frontend (`auth-jwt.service.ts` `verifyCode`). */
export const tfaVerifyByQueryRoute = defineRoute({
  ...verifyRouteBase,
  path: 'tfaVerifyByQuery',
  method: 'get',
  operationId: 'verifySecondFactorByQuery',
  summary: 'Verify the second factor (code in the query)',
  description:
    'Completes a login with the code as the `code` query parameter (the challenge token as bearer); otherwise as the POST verify route.',
  queryParameters: [
    {
      name: 'code',
      in: 'query',
      required: true,
      schema: { type: 'string', minLength: 1, maxLength: 16 },
      description: 'The six-digit code.',
      example: '123456',
    },
  ],
  async handle(edge, input) {
    const code = codeOrNull(input.req.query.code);
    if (code === null)
      throw new AuthError('invalid_request', { message: 'The query parameter "code" is required: the code, once.' });
    return completeSecondFactor(edge, input, code);
  },
});

const codeBodySchema = {
  type: 'string',
  minLength: 1,
  maxLength: 16,
  description: 'The six-digit code.',
  examples: ['123456'],
};

/** The request body as the OpenAPI document shows it: this route reads its own body (a bare string, not an object). */
const rawCodeRequestBody = {
  required: true,
  description:
    "The code alone: as text/plain (what Angular's HttpClient sends for a string body), as a JSON string, or as a JSON number.",
  content: {
    'text/plain': { schema: codeBodySchema, example: '123456' },
    'application/json': {
      schema: {
        oneOf: [
          codeBodySchema,
          { type: 'integer', minimum: 0, description: 'The code as a number (its digits).', examples: [123456] },
        ],
      },
      example: '123456',
    },
  },
} as const;

// Tiny bodies only, parsed here and nowhere else: every other route still takes JSON objects only.
const rawCodeParsers: RequestHandler[] = [
  express.json({ limit: '1kb', strict: false, type: ['application/json', 'application/*+json'] }),
  express.text({ limit: '1kb', type: 'text/plain' }),
];

function runParser(parser: RequestHandler, req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    parser(req, req.res!, (error?: unknown) => (error ? reject(error as Error) : resolve()));
  });
}

/** The code from a text/plain or JSON-string body, or a 400 naming what is wrong. */
async function readRawCode(req: Request): Promise<string> {
  if (hasNoBody(req))
    throw new AuthError('invalid_request', { message: 'The body must be the code, as text/plain or a JSON string.' });
  for (const parser of rawCodeParsers) await runParser(parser, req);
  if (!req.is(['application/json', 'application/*+json', 'text/plain']))
    throw new AuthError('unsupported_media_type', { message: 'The body must be text/plain or JSON.' });
  // Angular sends a number body as JSON (a numeric input's value), which UTMStack's backend reads as its text.
  const body: unknown = req.body;
  const code = codeOrNull(typeof body === 'number' && Number.isSafeInteger(body) && body >= 0 ? String(body) : body);
  if (code === null)
    throw new AuthError('invalid_request', { message: 'The body must be the code, as text/plain or a JSON string.' });
  return code;
}

/** POST with the code as the whole body: UTMStack v11+'s frontend (`auth-jwt.service.ts` `verifyCode`). */
export const tfaVerifyRawBodyRoute = defineRoute({
  ...verifyRouteBase,
  path: 'tfaVerifyRawBody',
  method: 'post',
  operationId: 'verifySecondFactorRawBody',
  summary: 'Verify the second factor (code as the body)',
  description:
    'Completes a login with the code as the whole body, text/plain or a JSON string (the challenge token as bearer); otherwise as the POST verify route.',
  requestBody: rawCodeRequestBody,
  async handle(edge, input) {
    return completeSecondFactor(edge, input, await readRawCode(input.req));
  },
});
