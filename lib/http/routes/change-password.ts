// POST change password: with an access token; without one only for an expired password, naming the user.
import { Type } from '@sinclair/typebox';
import { currentUser } from '../../core/access';
import { changeExpiredPassword, changePassword } from '../../core/account';
import { AuthError } from '../../errors';
import { newPasswordField, passwordField, usernameField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { optionalAccessToken } from '../credentials';

const body = bodyReader(
  Type.Object({
    currentPassword: { ...passwordField, description: 'The current password.' },
    newPassword: newPasswordField,
    username: Type.Optional({
      ...usernameField,
      description: 'Only without a token, for an expired password: whose password this is.',
    }),
  }),
);

export const changePasswordRoute = defineRoute({
  path: 'changePassword',
  method: 'post',
  operationId: 'changePassword',
  summary: 'Change the password',
  description:
    'Changes the password and ends every session of the user. Without a token, only an expired password can be changed, naming the user with `username` (after a 403 `password_expired` at login).',
  tag: 'account',
  body,
  credential: optionalAccessToken(),
  limiter: 'change-password',
  checksPassword: true,
  answers: ['passwordChanged'],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { req, auth, deviceToken, fields }) {
    const { currentPassword, newPassword, username } = fields;
    const change = { currentPassword, newPassword, deviceToken };
    if (auth) {
      await changePassword(edge.core, await currentUser(edge.core, auth), change);
    } else {
      if (username === undefined)
        throw new AuthError('invalid_request', { message: 'The field "username" is required.' });
      await changeExpiredPassword(edge.core, username, change);
    }
    return answer(edge, req, 'passwordChanged', undefined);
  },
});
