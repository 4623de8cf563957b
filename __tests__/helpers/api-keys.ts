// API keys over HTTP for the api-keys suites: creating a key needs the owner's password (step-up), so a token logged
// in here remembers its password, and createApiKey sends it.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { PASSWORDS } from './fixtures';
import { loginToken, type SessionTarget } from './session';

/** The hex SHA-256 of `text`: what the store keeps of a key. */
export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const passwordOf = new Map<string, string>();

/** An access token of the demo user `user`, remembered with its password for createApiKey. */
export async function keyOwnerToken(t: SessionTarget, user: 'admin' | 'guest'): Promise<string> {
  const token = await loginToken(t, user);
  passwordOf.set(token, PASSWORDS[user]);
  return token;
}

/** POST /auth/api-keys as `token` (its password sent for step-up) with `body`; the answer, unchecked. */
export function createApiKey(
  t: SessionTarget,
  token: string,
  body: Record<string, unknown> = { name: 'ci' },
): request.Test {
  return request(t.app)
    .post('/auth/api-keys')
    .set('Authorization', `Bearer ${token}`)
    .send({ password: passwordOf.get(token), ...body });
}
