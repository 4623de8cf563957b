// The core helper (helpers/test-core.ts) builds what createAuth() builds (both through buildCore()): the same settings
// for the same options, so core tests exercise production's configuration, not a hand-made one.
import { contextOf, createAuth } from '../../lib/auth';
import { createTestCore, type CreateTestCoreOptions } from '../helpers/test-core';

const cases: [string, CreateTestCoreOptions][] = [
  ['the defaults', {}],
  [
    'password reset, lockout, device cookies and a password age',
    {
      passwordReset: { urlTemplate: 'https://app.example/reset?token={token}', tokenTtl: '20m' },
      lockout: { maxFailures: 3, window: '10m', duration: '10m' },
      deviceCookie: { ttl: '30d' },
      trustedDevices: {},
      passwords: { maxAge: '90d' },
    },
  ],
  ['the utmstack preset, without lockout', { preset: 'utmstack', lockout: false }],
  ['the bforeai preset', { preset: 'bforeai' }],
];

test.each(cases)('%s: the core settings equal those of createAuth()', async (_name, overrides) => {
  const core = await createTestCore(overrides);
  const auth = createAuth(core.options);
  try {
    expect(core.context.config).toEqual(contextOf(auth).config);
  } finally {
    await auth.shutdown();
    await core.close();
  }
});

test('audit events are recorded, and an onEvent given is called too', async () => {
  const seen: string[] = [];
  const core = await createTestCore({ onEvent: (event) => void seen.push(event.event) });
  core.context.events.emit('login.succeeded', { userId: '1' });
  await core.settle();
  expect(core.events.map((event) => [event.event, event.userId])).toEqual([['login.succeeded', '1']]);
  expect(seen).toEqual(['login.succeeded']);
  await core.close();
});
