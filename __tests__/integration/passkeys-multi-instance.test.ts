// Passkeys on two instances sharing Redis and PostgreSQL: a passkey added on one signs in on the other, and a
// challenge is single use across both (the atomic take of the shared state store).
import request from 'supertest';
import type { AuthOptions } from '../../lib';
import { PASSWORDS } from '../helpers/create-app';
import { sharedServicesSkipReason, startDeployment, type Deployment, type Instance } from '../helpers/redis-postgres';
import { SoftAuthenticator } from '../helpers/soft-authenticator';

const skipReason = sharedServicesSkipReason();
if (skipReason) process.stderr.write(`Skipping the passkeys multi-instance tests: ${skipReason}.\n`);
const describeWithServices = skipReason ? describe.skip : describe;

const ORIGIN = 'https://app.example.com';
const OPTIONS: Partial<AuthOptions> = { passkeys: { rpId: 'example.com', rpName: 'Example', origins: [ORIGIN] } };

describeWithServices('passkeys on two instances on one Redis and one PostgreSQL', () => {
  let deployment: Deployment | undefined;
  let a: Instance;
  let b: Instance;
  let authenticator: SoftAuthenticator;

  beforeEach(async () => {
    deployment = await startDeployment();
    a = await deployment.startInstance(OPTIONS);
    b = await deployment.startInstance(OPTIONS);
    authenticator = new SoftAuthenticator(ORIGIN, 'example.com');
  });
  afterEach(async () => {
    await deployment?.close();
    deployment = undefined;
  });

  const loginOptions = async (instance: Instance) =>
    (await request(instance.app).post(`${instance.base}/passkeys/login/options`).send({}).expect(200)).body;
  const passkeyLogin = (instance: Instance, body: unknown) =>
    request(instance.app)
      .post(`${instance.base}/passkeys/login`)
      .send(body as object);

  async function addPasskeyOn(instance: Instance): Promise<void> {
    const login = await request(instance.app)
      .post(`${instance.base}/login`)
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    const bearer = `Bearer ${login.body.accessToken}`;
    const options = await request(instance.app)
      .post(`${instance.base}/passkeys/register/options`)
      .set('Authorization', bearer)
      .send({ password: PASSWORDS.admin })
      .expect(200);
    await request(instance.app)
      .post(`${instance.base}/passkeys/register`)
      .set('Authorization', bearer)
      .send(authenticator.create(options.body))
      .expect(201);
  }

  it('a passkey added on one instance signs in on the other, and its counter is shared', async () => {
    await addPasskeyOn(a);
    expect(await deployment!.users.listPasskeys('1')).toHaveLength(1);
    const res = await passkeyLogin(b, authenticator.get(await loginOptions(a))).expect(200);
    await request(a.app).get('/api/protected').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
    // The counter b wrote is the one a checks: an older counter is refused there.
    expect((await deployment!.users.listPasskeys('1'))[0]!.counter).toBe(1);
    const stale = await passkeyLogin(a, authenticator.get(await loginOptions(b), { counter: 1 }));
    expect(stale.status).toBe(400);
    expect(stale.body.error).toBe('passkey_invalid');
  });

  it('a challenge is single use across both instances, also when both are sent at once', async () => {
    await addPasskeyOn(b);
    const assertion = authenticator.get(await loginOptions(a));
    await passkeyLogin(a, assertion).expect(200);
    expect((await passkeyLogin(b, assertion)).body.error).toBe('passkey_invalid');

    const racing = authenticator.get(await loginOptions(b));
    const answers = await Promise.all([passkeyLogin(a, racing), passkeyLogin(b, racing)]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 400]);
  });
});
