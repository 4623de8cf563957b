// Trusted devices across two instances on one Redis and one PostgreSQL: trusted on one, honoured and ended on the other.
import request from 'supertest';
import type { AuthOptions } from '../../lib';
import { PASSWORDS } from '../helpers/create-app';
import { sharedServicesSkipReason, startDeployment, type Deployment, type Instance } from '../helpers/redis-postgres';

const skipReason = sharedServicesSkipReason();
if (skipReason) process.stderr.write(`Skipping the trusted-devices integration tests: ${skipReason}.\n`);
const describeWithServices = skipReason ? describe.skip : describe;

describeWithServices('trusted devices on two instances sharing Redis and PostgreSQL', () => {
  let deployment: Deployment | undefined;
  let a: Instance;
  let b: Instance;

  async function start(options: Partial<AuthOptions> = {}): Promise<void> {
    deployment = await startDeployment();
    a = await deployment.startInstance({ trustedDevices: true, ...options });
    b = await deployment.startInstance({ trustedDevices: true, ...options });
  }

  afterEach(async () => {
    await deployment?.close();
    deployment = undefined;
  });

  const cookieOf = (res: request.Response): string => {
    const line = ((res.headers['set-cookie'] as unknown as string[]) ?? []).find((l) =>
      l.startsWith('__Host-eak-trusted='),
    );
    expect(line).toBeDefined();
    return line!.split(';')[0]!;
  };
  const login = (instance: Instance, cookie?: string) => {
    const req = request(instance.app).post(`${instance.base}/login`);
    if (cookie !== undefined) req.set('Cookie', cookie);
    return req.send({ username: 'user', password: PASSWORDS.user });
  };

  it('a browser trusted on one instance skips the code on the other; DELETE on one ends it on both', async () => {
    await start();
    const challenge = await login(a).expect(200);
    const code = a.mailer.last('user@example.com')!.code;
    const verified = await request(a.app)
      .post(`${a.base}/tfa/verify`)
      .set('Authorization', `Bearer ${challenge.body.challengeToken}`)
      .send({ code, rememberDevice: true })
      .expect(200);
    const cookie = cookieOf(verified);

    const onB = await login(b, cookie).expect(200);
    expect(onB.body).toMatchObject({ accessToken: expect.any(String) });
    expect(onB.body.tfaRequired).toBeUndefined();
    expect(b.mailer.sent).toHaveLength(0);

    const listed = await request(b.app)
      .get(`${b.base}/trusted-devices`)
      .set('Authorization', `Bearer ${onB.body.accessToken}`)
      .set('Cookie', cookie)
      .expect(200);
    expect(listed.body.trustedDevices).toEqual([expect.objectContaining({ current: true })]);

    await request(b.app)
      .delete(`${b.base}/trusted-devices`)
      .set('Authorization', `Bearer ${onB.body.accessToken}`)
      .expect(204);
    for (const instance of [a, b])
      expect((await login(instance, cookie).expect(200)).body).toMatchObject({ tfaRequired: true });
  });

  it('"log out everywhere" on one instance ends the trust on the other', async () => {
    await start();
    const challenge = await login(b).expect(200);
    const code = b.mailer.last('user@example.com')!.code;
    const verified = await request(b.app)
      .post(`${b.base}/tfa/verify`)
      .set('Authorization', `Bearer ${challenge.body.challengeToken}`)
      .send({ code, rememberDevice: true })
      .expect(200);
    const cookie = cookieOf(verified);
    expect((await login(a, cookie).expect(200)).body.accessToken).toEqual(expect.any(String));

    await request(b.app)
      .post(`${b.base}/logout/all`)
      .set('Authorization', `Bearer ${verified.body.accessToken}`)
      .expect(204);
    expect((await login(a, cookie).expect(200)).body).toMatchObject({ tfaRequired: true });
  });
});
