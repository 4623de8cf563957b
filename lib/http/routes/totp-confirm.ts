// POST authenticator-app confirmation: a first code from the app (and the emailed code, when one was sent).
import { Type } from '@sinclair/typebox';
import { currentUser } from '../../core/access';
import { confirmTotpEnrolment } from '../../core/totp-enrolment';
import { codeField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { accessToken } from '../credentials';

const body = bodyReader(
  Type.Object({
    code: { ...codeField, description: 'A code from the app being enrolled.' },
    emailCode: Type.Optional({ ...codeField, description: 'The code mailed at enrolment, when one was sent.' }),
  }),
);

export const totpConfirmRoute = defineRoute({
  path: 'totpConfirm',
  method: 'post',
  operationId: 'confirmTotpEnrolment',
  summary: 'Confirm an authenticator app',
  description: 'Confirms the authenticator app with its first code; it becomes the second factor.',
  tag: 'second factor',
  body,
  credential: accessToken(),
  limiter: 'second-factor',
  mountedWhen: (edge) => typeof edge.core.users.updateSecondFactor === 'function',
  answers: ['totpConfirmed'],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { req, auth, fields }) {
    const { code, emailCode } = fields;
    await confirmTotpEnrolment(edge.core, await currentUser(edge.core, auth), code, emailCode);
    return answer(edge, req, 'totpConfirmed', undefined);
  },
});
