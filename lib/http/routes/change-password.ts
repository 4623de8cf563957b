// POST change password: with an access token; without one only for an expired password, naming the user.
import { Type } from '@sinclair/typebox';
import { currentUser } from '../../core/access';
import { changeExpiredPassword, changePassword } from '../../core/account';
import { AuthError } from '../../errors';
import { passwordField, usernameField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute } from '../route';

const body = bodyReader(
  Type.Object({
    currentPassword: passwordField,
    newPassword: passwordField,
    username: Type.Optional({ ...usernameField, description: 'Only without a token, for an expired password: whose password this is.' }),
  }),
);

export const changePasswordRoute = defineRoute({
  path: 'changePassword',
  method: 'post',
  operationId: 'changePassword',
  summary: 'Change the password (ends every session). Without a token, only an expired password, with "username".',
  tag: 'account',
  body,
  credential: 'access-token-or-none',
  limiter: 'change-password',
  checksPassword: true,
  answers: ['passwordChanged'],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { auth, deviceToken, fields }) {
    const { currentPassword, newPassword, username } = fields;
    const change = { currentPassword, newPassword, deviceToken };
    if (auth) {
      await changePassword(edge.core, await currentUser(edge.core, auth), change);
    } else {
      if (username === undefined) throw new AuthError('invalid_request', { message: 'The field "username" is required.' });
      await changeExpiredPassword(edge.core, username, change);
    }
    return edge.preset.passwordChanged();
  },
});
