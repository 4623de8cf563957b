// POST authenticator-app enrolment: the password and the current factor again, then a pending secret.
import { Type } from '@sinclair/typebox';
import { currentUser } from '../../core/access';
import { beginTotpEnrolment } from '../../core/totp-enrolment';
import { codeField, passwordField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { accessToken } from '../credentials';

const body = bodyReader(
  Type.Object({
    password: passwordField,
    currentCode: Type.Optional({
      ...codeField,
      description: 'A current code from the authenticator app already enrolled, if any.',
    }),
  }),
);

export const totpEnrollRoute = defineRoute({
  path: 'totpEnroll',
  method: 'post',
  operationId: 'beginTotpEnrolment',
  summary: 'Start enrolling an authenticator app',
  description:
    "Needs the password again and proof of the current second factor; answers the app's secret, not in use until confirmed.",
  tag: 'second factor',
  body,
  credential: accessToken(),
  limiter: 'second-factor',
  checksPassword: true,
  mountedWhen: (edge) => typeof edge.core.users.updateSecondFactor === 'function',
  answers: ['totpEnrolment'],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { req, auth, deviceToken, fields }) {
    const { password, currentCode } = fields;
    const user = await currentUser(edge.core, auth);
    return answer(
      edge,
      req,
      'totpEnrolment',
      await beginTotpEnrolment(edge.core, user, { password, currentCode, deviceToken }),
    );
  },
});
