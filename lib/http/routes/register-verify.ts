// POST register/verify: the token from the mailed link verifies the new user's address, after which they can log in.
import { Type } from '@sinclair/typebox';
import { verifyRegistration } from '../../core/registration';
import { bodyReader } from '../request';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { noCredential } from '../credentials';

const body = bodyReader(
  Type.Object({
    token: Type.String({
      minLength: 1,
      maxLength: 512,
      pattern: '^[^\\u0000]*$',
      description: 'The token from the mailed link (its "token" query parameter).',
      examples: ['kq3VbN8xW2rT5mYp0aZ7cE4dF6gH1jL9sU_-oIqRtw4'],
    }),
  }),
);

export const registerVerifyRoute = defineRoute({
  path: 'registerVerify',
  method: 'post',
  operationId: 'verifyRegistration',
  summary: "Verify a new account's address",
  description:
    'Verifies the address with the mailed token; the user can then log in. A bad, used, replaced or expired token: 400 `verification_token_invalid`.',
  tag: 'account',
  body,
  credential: noCredential(),
  limiter: 'login',
  mountedWhen: (edge) => edge.core.config.registration !== false,
  answers: ['registrationVerified'],
  errors: [400, 413, 429, 503],
  async handle(edge, { req, fields }) {
    await verifyRegistration(edge.core, fields.token);
    return answer(edge, req, 'registrationVerified', undefined);
  },
});
