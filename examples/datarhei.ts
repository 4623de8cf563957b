// datarhei Core's wire format under /api, guarding /api/v3/...; AUTH0_* variables turn on identity-provider login.
import { runExample } from './shared/demo-server';
import { datarheiAboutRoute } from './shared/products';

const { AUTH0_ISSUER, AUTH0_AUDIENCE, AUTH0_JWKS_URI, AUTH0_USERS } = process.env;

function identityProvider(): Parameters<typeof runExample>[0]['extraOptions'] {
  if (!AUTH0_ISSUER && !AUTH0_AUDIENCE && !AUTH0_JWKS_URI && !AUTH0_USERS) return {};
  // Half a configuration must not silently turn the provider off (or, worse, on without an audience check).
  for (const [name, value] of [
    ['AUTH0_ISSUER', AUTH0_ISSUER],
    ['AUTH0_AUDIENCE', AUTH0_AUDIENCE],
  ] as const) {
    if (!value) {
      console.error(`cannot start: ${name} is required when any AUTH0_* variable is set.`);
      process.exit(1);
    }
  }
  const allowedSubjects = (AUTH0_USERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (allowedSubjects.length === 0) console.warn('AUTH0_USERS is empty: no identity-provider subject may log in.');
  return {
    externalIdentityProvider: {
      issuer: AUTH0_ISSUER as string,
      audience: AUTH0_AUDIENCE as string,
      // Auth0 publishes its keys here; any other provider sets AUTH0_JWKS_URI.
      jwksUri: AUTH0_JWKS_URI || new URL('.well-known/jwks.json', AUTH0_ISSUER).href,
      allowedSubjects,
    },
  };
}

// /api/v3 and everything under it, on Express 4 and 5 alike (a RegExp, as Express 5 has no `/api/v3/*`).
// GET /api is Core's "about", which datarhei's SDKs read before they log in.
void runExample({
  preset: 'datarhei',
  guardedRoute: /^\/api\/v3(?:\/.*)?$/i,
  extraOptions: identityProvider(),
  productRoutes: datarheiAboutRoute,
});
