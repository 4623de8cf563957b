// POST password reset: the mailed token (JHipster calls it "key") and a new password; an app code where the user has one.
import { Type } from '@sinclair/typebox';
import { resetPassword } from '../../core/password-reset';
import { AuthError } from '../../errors';
import { codeField, newPasswordField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute } from '../route';
import { noCredential } from '../credentials';
import { recoveryCodeField } from './tfa-verify';
import { answer } from '../reply';

const resetTokenField = Type.String({
  minLength: 1,
  maxLength: 512,
  pattern: '^[^\\u0000]*$',
  description: 'The token from the mailed link (its "token" query parameter).',
  examples: ['kq3VbN8xW2rT5mYp0aZ7cE4dF6gH1jL9sU_-oIqRtw4'],
});

const body = bodyReader(
  Type.Object(
    {
      token: Type.Optional(resetTokenField),
      key: Type.Optional({
        ...resetTokenField,
        description: 'The same token under the name JHipster clients send (utmstack). Send "token" or "key".',
      }),
      newPassword: newPasswordField,
      code: Type.Optional({
        ...codeField,
        description:
          'A current code from the authenticator app: required when the user has one (else 400 tfa_required).',
      }),
      recoveryCode: Type.Optional({
        ...recoveryCodeField,
        description: 'One of the recovery codes, in place of "code".',
      }),
    },
    { examples: [{ token: resetTokenField.examples[0], newPassword: newPasswordField.examples[0] }] },
  ),
);

export const passwordResetRoute = defineRoute({
  path: 'passwordReset',
  method: 'post',
  operationId: 'resetPassword',
  summary: 'Reset the password with the mailed token',
  description:
    "Sets a new password with the mailed token and ends every session. A bad, used, replaced or expired token: 400 `reset_token_invalid`. A user with an authenticator app also sends `code` or `recoveryCode` (else 400 `tfa_required`; the token stays usable). Wrong codes have their own budget, not the login lockout: 5 per token (then the token is dead), 10 an hour per user or device (then 429 `rate_limited`). Revokes the user's API keys unless `apiKeys.revokeOnReset` is false. 503 `unavailable` when the mailer cannot send reset links.",
  tag: 'account',
  body,
  credential: noCredential(),
  limiter: 'login',
  mountedWhen: (edge) => edge.core.config.passwordReset !== false,
  answers: ['passwordReset'],
  errors: [400, 401, 413, 429, 503],
  async handle(edge, { req, fields, deviceToken }) {
    const { token, key, newPassword, code, recoveryCode } = fields;
    const value = token ?? key;
    if (value === undefined || (token !== undefined && key !== undefined)) {
      throw new AuthError('invalid_request', { message: 'The field "token" is required (or "key").' });
    }
    if (code !== undefined && recoveryCode !== undefined)
      throw new AuthError('invalid_request', { message: 'Send "code" or "recoveryCode", not both.' });
    await resetPassword(edge.core, { token: value, newPassword, code, recoveryCode, deviceToken });
    return answer(edge, req, 'passwordReset', undefined);
  },
});
