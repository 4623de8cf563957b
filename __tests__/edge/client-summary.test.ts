// The client summary kept in events and session records: a network, never a full address.
import { networkOf } from '../../lib/http/client-summary';
test('a client is summarised by its network: an IPv4 /24 or an IPv6 /56, never its address', () => {
  expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
  expect(networkOf('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
  expect(networkOf('2001:db8:abcd:12ff::1')).toBe('2001:db8:abcd:1200::/56');
  expect(networkOf('::1')).toBe('0:0:0:0::/56');
  expect(networkOf('x')).toBe(null);
});
