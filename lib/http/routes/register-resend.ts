// POST register/resend: a new verification link for an unverified address; the same answer for any address.
import { Type } from '@sinclair/typebox';
import { resendVerification } from '../../core/registration';
import { bodyReader } from '../request';
import { defineRoute } from '../route';
import { noCredential } from '../credentials';
import { registrationEmailField } from './register';
import { answer } from '../reply';

const body = bodyReader(
  Type.Object({ email: { ...registrationEmailField, description: 'The address the account was registered with.' } }),
);

export const registerResendRoute = defineRoute({
  path: 'registerResend',
  method: 'post',
  operationId: 'resendVerification',
  summary: 'Resend the verification mail',
  description:
    "Mails a new verification link (replacing the earlier one) to an unverified account's address. The same 202 for any address; a few mails per address per hour (`registration.resendLimit`, shared with sign-up), past that nothing is sent.",
  tag: 'account',
  body,
  credential: noCredential(),
  limiter: 'login',
  mountedWhen: (edge) => edge.core.config.registration !== false,
  answers: ['registrationAccepted'],
  errors: [400, 413, 429, 503],
  async handle(edge, { req, fields }) {
    await resendVerification(edge.core, fields.email.trim());
    return answer(edge, req, 'registrationAccepted', undefined);
  },
});
