// POST register: sign-up with a username, an email address and a password; the address is verified by a mailed link.
import { Type } from '@sinclair/typebox';
import { registerUser } from '../../core/registration';
import { passwordField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { noCredential } from '../credentials';

// No credential, name or address has a NUL, and PostgreSQL text cannot hold one.
const NO_NUL = '^[^\\u0000]*$';

export const registrationEmailField = Type.String({
  minLength: 3,
  maxLength: 254,
  pattern: NO_NUL,
  description: "The new account's email address.",
  examples: ['alice@example.com'],
});

const body = bodyReader(
  Type.Object({
    username: Type.String({
      minLength: 1,
      maxLength: 50,
      pattern: '^[^@\\s\\u0000]+$',
      description: 'The login name: no "@" (a login can never be mistaken for an email address) and no spaces.',
      examples: ['alice'],
    }),
    email: registrationEmailField,
    password: {
      ...passwordField,
      description: 'The password; the password policy applies.',
      examples: ['correct-horse-battery-staple'],
    },
    profile: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 64, pattern: NO_NUL }),
        Type.String({ maxLength: 1000, pattern: NO_NUL }),
        {
          maxProperties: 20,
          description:
            "Fields for the host's sign-up hook (an invite code, names): strings only; what is kept is the host's choice.",
          examples: [{ inviteCode: 'WELCOME-2026' }],
        },
      ),
    ),
  }),
);

export const registerRoute = defineRoute({
  path: 'register',
  method: 'post',
  operationId: 'register',
  summary: 'Sign up',
  description:
    'Creates an unverified user and mails a verification link. The same 202 whether or not the email already has an account (its owner is mailed a notice instead). A taken username: 409 `username_taken`. A username with `@`, a bad address, or a password the policy refuses: 400 (`invalid_request`, `weak_password`). The host may refuse a sign-up: 403 `registration_refused`.',
  tag: 'account',
  body,
  credential: noCredential(),
  limiter: 'login',
  checksPassword: true,
  mountedWhen: (edge) => edge.core.config.registration !== false,
  answers: ['registrationAccepted'],
  errors: [400, 403, 409, 413, 429, 503],
  async handle(edge, { req, fields }) {
    await registerUser(edge.core, {
      username: fields.username,
      email: fields.email,
      password: fields.password,
      profile: fields.profile,
    });
    return answer(edge, req, 'registrationAccepted', undefined);
  },
});
