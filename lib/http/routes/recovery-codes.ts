// POST recovery codes: the password and the current second factor again, then ten new one-time codes, shown once.
import { Type } from '@sinclair/typebox';
import { currentUser } from '../../core/access';
import { generateRecoveryCodes, recoveryCodesAvailable } from '../../core/recovery-codes';
import { codeField, passwordField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { accessToken } from '../credentials';

const body = bodyReader(
  Type.Object({
    password: passwordField,
    code: Type.Optional({
      ...codeField,
      description: 'A current code from the authenticator app, for a user who has one.',
    }),
  }),
);

export const recoveryCodesRoute = defineRoute({
  path: 'recoveryCodes',
  method: 'post',
  operationId: 'generateRecoveryCodes',
  summary: 'Generate new recovery codes',
  description:
    'Ten new recovery codes, shown this once, replacing any earlier set. Needs the password, and a current app code (`code`) for a user with an authenticator app; a user whose factor is the emailed code proves it by the login behind the token. A user without a second factor gets 400 `invalid_request`.',
  tag: 'second factor',
  body,
  credential: accessToken(),
  limiter: 'second-factor',
  checksPassword: true,
  mountedWhen: (edge) => recoveryCodesAvailable(edge.core),
  answers: ['recoveryCodes'],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { req, auth, deviceToken, fields }) {
    const { password, code } = fields;
    const user = await currentUser(edge.core, auth);
    return answer(
      edge,
      req,
      'recoveryCodes',
      await generateRecoveryCodes(edge.core, user, { password, code, deviceToken }),
    );
  },
});
