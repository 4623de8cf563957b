// A step the password-reset suites share (in memory and over SMTP): utmstack's JHipster finish route used once.
import request from 'supertest';
import type { SessionTarget } from './session';

/**
 * utmstack's POST /api/account/reset-password/finish: `key` sets `newPassword` (200), the same key again is 400, and
 * `username` then logs in with the new password.
 */
export async function expectUtmstackFinishOnce(
  t: SessionTarget,
  { key, username, newPassword }: { key: string; username: string; newPassword: string },
): Promise<void> {
  await request(t.app).post('/api/account/reset-password/finish').send({ key, newPassword }).expect(200);
  const used = await request(t.app).post('/api/account/reset-password/finish').send({ key, newPassword });
  expect(used.status).toBe(400);
  await request(t.app).post('/api/authenticate').send({ username, password: newPassword }).expect(200);
}
