// Second-factor resend: a new emailed code for the same challenge; by POST (our seed's) or GET (UTMStack v11+'s frontend).
import { resendSecondFactor } from '../../core/second-factor';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { challengeToken } from '../credentials';

export const tfaResendRoute = defineRoute({
  path: 'tfaResend',
  method: 'post',
  operationId: 'resendSecondFactorCode',
  summary: 'Resend the second-factor code',
  description:
    "Mails a new code for the challenge (the challenge token as bearer); the challenge's life and attempt budget are not renewed. Too soon: 429 `tfa_resend_too_soon`.",
  tag: 'second factor',
  credential: challengeToken(),
  limiter: 'second-factor',
  answers: ['tfaResent'],
  errors: [401, 403, 429, 503],
  async handle(edge, { req, token }) {
    return answer(edge, req, 'tfaResent', await resendSecondFactor(edge.core, token));
  },
});

/** GET: UTMStack v11+'s frontend (`auth-jwt.service.ts` `renewCode`); the same handler, budget and answer. */
export const tfaResendByGetRoute = defineRoute({
  ...tfaResendRoute,
  path: 'tfaResendByGet',
  method: 'get',
  operationId: 'resendSecondFactorCodeByGet',
});
