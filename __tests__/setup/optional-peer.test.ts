// Optional peers (nodemailer, rate-limit-redis) are loaded on first use; a missing one is a TypeError naming the
// package and the command that installs it, and a host that never uses the feature never needs it.
import { loadOptionalPeer } from '../../lib/primitives/optional-peer';

function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
}

afterEach(() => {
  jest.resetModules();
});

test('loadOptionalPeer returns an installed package and names a missing one with its install command', () => {
  expect(loadOptionalPeer<{ createTransport: unknown }>('nodemailer', 'NodemailerMailer').createTransport).toEqual(
    expect.any(Function),
  );
  let thrown: unknown;
  try {
    loadOptionalPeer('express-auth-kit-no-such-peer', 'A feature');
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TypeError);
  expect((thrown as TypeError).message).toBe(
    'A feature needs the optional peer dependency "express-auth-kit-no-such-peer", which is not installed: run `npm install express-auth-kit-no-such-peer`.',
  );
});

test('a failure inside an installed peer is rethrown as it is, not reported as a missing package', () => {
  jest.doMock('nodemailer', () => {
    throw notFound('some-dependency-of-nodemailer');
  });
  const { loadOptionalPeer: load } = jest.requireActual<typeof import('../../lib/primitives/optional-peer')>(
    '../../lib/primitives/optional-peer',
  );
  expect(() => load('nodemailer', 'NodemailerMailer')).toThrow("Cannot find module 'some-dependency-of-nodemailer'");
});

describe('without nodemailer installed', () => {
  function mailerModule(): typeof import('../../lib/mailers/nodemailer-mailer') {
    jest.doMock('nodemailer', () => {
      throw notFound('nodemailer');
    });
    return jest.requireActual<typeof import('../../lib/mailers/nodemailer-mailer')>(
      '../../lib/mailers/nodemailer-mailer',
    );
  }

  test('a NodemailerMailer built from an SMTP URL or transport options says to install it', () => {
    const { NodemailerMailer } = mailerModule();
    for (const transport of ['smtp://127.0.0.1:2525', { host: '127.0.0.1', port: 2525 }]) {
      expect(() => new NodemailerMailer({ transport, from: 'no-reply@example.com' })).toThrow(
        /NodemailerMailer needs the optional peer dependency "nodemailer".*npm install nodemailer/,
      );
    }
  });

  test('a NodemailerMailer given a transporter needs no nodemailer', async () => {
    const { NodemailerMailer } = mailerModule();
    const sent: unknown[] = [];
    const mailer = new NodemailerMailer({
      transport: { sendMail: async (message) => sent.push(message), close: () => undefined },
      from: 'no-reply@example.com',
    });
    await mailer.sendSecondFactorCode({
      to: 'a@example.com',
      displayName: 'A',
      code: '123456',
      expiresInSeconds: 300,
      login: 'a',
    } as Parameters<typeof mailer.sendSecondFactorCode>[0]);
    expect(sent).toEqual([expect.objectContaining({ to: { name: 'A', address: 'a@example.com' } })]);
  });
});

test('without rate-limit-redis installed, a RedisStateStore works and only its rate-limit store says to install it', async () => {
  jest.doMock('rate-limit-redis', () => {
    throw notFound('rate-limit-redis');
  });
  const { RedisStateStore } = jest.requireActual<typeof import('../../lib/stores/redis-state-store')>(
    '../../lib/stores/redis-state-store',
  );
  const store = new RedisStateStore({ sendCommand: async () => 'value' });
  await expect(store.get('key')).resolves.toBe('value');
  expect(() => store.createRateLimitStore('login')).toThrow(
    /needs the optional peer dependency "rate-limit-redis".*npm install rate-limit-redis/,
  );
});
