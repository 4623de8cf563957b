// POST second-factor verify: the challenge token and a code (or one of the user's recovery codes) complete the login.
import { Type } from '@sinclair/typebox';
import { verifySecondFactor } from '../../core/second-factor';
import { AuthError } from '../../errors';
import { codeField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute } from '../route';
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
  Type.Object({
    code: Type.Optional({ ...codeField, description: 'The six-digit code (emailed, or from the authenticator app). Send this or "recoveryCode".' }),
    recoveryCode: Type.Optional({ ...recoveryCodeField, description: `${recoveryCodeField.description} In place of "code".` }),
    rememberDevice: Type.Optional(rememberDeviceField),
  }),
);

export const tfaVerifyRoute = defineRoute({
  path: 'tfaVerify',
  method: 'post',
  operationId: 'verifySecondFactor',
  summary: 'Complete a login with the code of its second factor, or a recovery code (the challenge token as bearer).',
  tag: 'second factor',
  body,
  credential: 'challenge-token',
  limiter: 'second-factor',
  answers: ['login'],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { req, res, bearer, deviceToken, fields }) {
    const { code, recoveryCode, rememberDevice } = fields;
    if ((code === undefined) === (recoveryCode === undefined)) {
      throw new AuthError('invalid_request', { message: code === undefined ? 'The field "code" is required (or "recoveryCode").' : 'Send "code" or "recoveryCode", not both.' });
    }
    return loginReply(edge, req, res, await verifySecondFactor(edge.core, { challengeToken: bearer!, code, recoveryCode, deviceToken, rememberDevice }));
  },
});
