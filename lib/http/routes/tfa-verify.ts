// POST second-factor verify: the challenge token and a code complete the login.
import { Type } from '@sinclair/typebox';
import { verifySecondFactor } from '../../core/second-factor';
import { codeField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute } from '../route';
import { loginReply } from './login-reply';

const body = bodyReader(Type.Object({ code: codeField }));

export const tfaVerifyRoute = defineRoute({
  path: 'tfaVerify',
  method: 'post',
  operationId: 'verifySecondFactor',
  summary: 'Complete a login with the code of its second factor (the challenge token as bearer).',
  tag: 'second factor',
  body,
  credential: 'challenge-token',
  limiter: 'second-factor',
  answers: ['login'],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { req, res, bearer, deviceToken, fields }) {
    const { code } = fields;
    return loginReply(edge, req, res, await verifySecondFactor(edge.core, { challengeToken: bearer!, code, deviceToken }));
  },
});
