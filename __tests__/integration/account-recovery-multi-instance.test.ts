// Password reset and recovery codes on two instances sharing one Redis and one PostgreSQL: a token asked on one works
// once on either, a reset on one ends the sessions opened on the other, and a recovery code works once across both.
import request from 'supertest';
import type { AuthOptions } from '../../lib';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import { PASSWORDS } from '../helpers/create-app';
import { sharedServicesSkipReason, startDeployment, type Deployment, type Instance } from '../helpers/redis-postgres';
import { challenge as challengeOf, settle } from '../helpers/session';

const skipReason = sharedServicesSkipReason();
if (skipReason) process.stderr.write(`Skipping the account-recovery multi-instance tests: ${skipReason}.\n`);
const describeWithServices = skipReason ? describe.skip : describe;

const NEW_PASSWORD = 'a-brand-new-password';

describeWithServices('account recovery on two instances sharing Redis and PostgreSQL', () => {
  let deployment: Deployment | undefined;
  let a: Instance;
  let b: Instance;

  async function start(options: Partial<AuthOptions> = {}): Promise<Deployment> {
    deployment = await startDeployment();
    const shared = {
      sessions: { cacheMs: 0 },
      passwordReset: { urlTemplate: 'https://app.example/reset?token={token}' },
      ...options,
    };
    a = await deployment.startInstance(shared);
    b = await deployment.startInstance(shared);
    return deployment;
  }

  afterEach(async () => {
    await deployment?.close();
    deployment = undefined;
  });

  async function mailedToken(instance: Instance, email = 'guest@example.com'): Promise<string> {
    await request(instance.app).post(`${instance.base}/password/forgot`).send({ email }).expect(202);
    await settle(50);
    return new URL(instance.mailer.resetLinks.filter((m) => m.to === email).at(-1)!.url).searchParams.get('token')!;
  }

  const reset = (instance: Instance, body: Record<string, unknown>) =>
    request(instance.app).post(`${instance.base}/password/reset`).send(body);

  it('a reset on one instance ends the sessions opened on the other; the token works once across both', async () => {
    await start();
    const session = await request(a.app)
      .post(`${a.base}/login`)
      .send({ username: 'guest', password: PASSWORDS.guest })
      .expect(200);
    await request(a.app).get('/api/protected').set('Authorization', `Bearer ${session.body.accessToken}`).expect(200);

    const token = await mailedToken(a);
    const answers = await Promise.all(
      [a, b, a, b, a].map((instance, i) => reset(instance, { token, newPassword: `${NEW_PASSWORD}-${i}` })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([204, 400, 400, 400, 400]);

    for (const instance of [a, b])
      await request(instance.app)
        .get('/api/protected')
        .set('Authorization', `Bearer ${session.body.accessToken}`)
        .expect(401);
    await request(b.app).post(`${b.base}/token/refresh`).send({ refreshToken: session.body.refreshToken }).expect(401);
  });

  it('a newer request on one instance replaces the token mailed by the other', async () => {
    await start();
    const older = await mailedToken(a);
    const newer = await mailedToken(b);
    expect((await reset(b, { token: older, newPassword: NEW_PASSWORD })).body.error).toBe('reset_token_invalid');
    await reset(a, { token: newer, newPassword: NEW_PASSWORD }).expect(204);
  });

  it('recovery codes live in PostgreSQL: each works once across both instances, and a new set voids the old', async () => {
    const { users, clock } = await start();
    const secret = generateTotpSecret();
    await users.updateSecondFactor('3', 'TOTP', secret);
    const code = () => totpCode(secret, Math.floor(clock() / 30_000));
    const challenge = async (instance: Instance) => {
      const { token, body } = await challengeOf(instance, 'guest');
      expect(body).toMatchObject({ tfaRequired: true, method: 'TOTP' });
      return token;
    };
    const verify = (instance: Instance, token: string, body: Record<string, unknown>) =>
      request(instance.app).post(`${instance.base}/tfa/verify`).set('Authorization', `Bearer ${token}`).send(body);

    const login = await verify(a, await challenge(a), { code: code() }).expect(200);
    clock.advance(30_000);
    const generate = () =>
      request(a.app)
        .post(`${a.base}/tfa/recovery-codes`)
        .set('Authorization', `Bearer ${login.body.accessToken}`)
        .send({ password: PASSWORDS.guest, code: code() });
    const first = (await generate().expect(200)).body.codes as string[];

    const challenges = await Promise.all([a, b, a, b].map((instance) => challenge(instance)));
    const answers = await Promise.all(
      challenges.map((token, i) => verify(i % 2 === 0 ? a : b, token, { recoveryCode: first[0] })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401, 401, 401]);
    await settle(50);
    expect([...a.mailer.recoveryCodeNotices, ...b.mailer.recoveryCodeNotices]).toEqual([
      expect.objectContaining({ to: 'guest@example.com', remaining: 9 }),
    ]);

    clock.advance(30_000);
    const second = (await generate().expect(200)).body.codes as string[];
    await verify(b, await challenge(b), { recoveryCode: first[1] }).expect(401);
    await verify(b, await challenge(b), { recoveryCode: second[1] }).expect(200);
  });
});
