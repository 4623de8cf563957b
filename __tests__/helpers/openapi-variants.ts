// The option variants whose OpenAPI documents the tests check: every preset, and the default one with the options
// that change the document (key header, no device cookies, no API keys or refresh tokens, cookies, passkeys).
import { presets, type PresetName } from '../../lib';
import type { CreateTestAppOptions } from './create-app';

export const documentVariants: [string, CreateTestAppOptions][] = [
  ...(Object.keys(presets) as PresetName[]).map((name): [string, CreateTestAppOptions] => [name, { preset: name }]),
  ['default with keys in X-API-Key and no device cookies', { apiKeys: { header: 'x-api-key' }, deviceCookie: false }],
  ['default without API keys or refresh tokens', { apiKeys: false, sessions: { refresh: { issue: false } } }],
  [
    'default with cookies (refresh and access-token cookies)',
    { cookies: { trustedOrigins: ['https://app.example.com'], accessTokenCookie: true } },
  ],
  [
    'default with passkeys and cookies',
    {
      passkeys: { rpId: 'app.example.com', rpName: 'Example', origins: ['https://app.example.com'] },
      cookies: { trustedOrigins: ['https://app.example.com'] },
    },
  ],
  [
    'default as the basic example runs it (passkeys, cookies, sign-up, trusted devices)',
    {
      passkeys: { rpId: 'localhost', rpName: 'Example', origins: ['http://localhost:3000'] },
      cookies: { trustedOrigins: ['http://127.0.0.1:3000'] },
      registration: { urlTemplate: 'http://127.0.0.1:3000/verify-email?token={token}' },
      trustedDevices: { lifetime: '30d' },
    },
  ],
  [
    'datarhei with the refresh cookie',
    { preset: 'datarhei', cookies: { trustedOrigins: ['https://app.example.com'] } },
  ],
];
