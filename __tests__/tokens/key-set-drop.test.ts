// When a retired key stops verifying: exactly at its drop time (retirement + retainFor), and dropping it (as jwks()
// and listKeys() do) leaves every other key verifying.
import { KeySet } from '../../lib/tokens/key-set';

const HOUR = 3_600_000;
let now = Date.UTC(2026, 0, 1, 12, 0, 0);
const clock = (): number => now;

it('a retired key verifies until retirement + retainFor, not a millisecond longer; pruning it keeps the others', () => {
  const keys = new KeySet({ rotation: { algorithm: 'EdDSA', retainFor: '1h' }, clock });
  const old = keys.kid;
  const next = keys.rotateKeys({ publishAhead: 0 }).kid;
  expect(keys.kid).toBe(next);
  now += HOUR - 1;
  expect(keys.verificationKey(old)).toBeDefined();
  expect(
    keys
      .jwks()
      .keys.map((key) => key.kid)
      .sort(),
  ).toEqual([next, old].sort());
  now += 1;
  expect(keys.verificationKey(old)).toBeUndefined();
  expect(keys.jwks().keys.map((key) => key.kid)).toEqual([next]);
  expect(keys.verificationKey(next)).toBeDefined();
  expect(keys.listKeys().map((key) => key.kid)).toEqual([next]);
  keys.close();
});
