// datarhei Core's wire format under /api, guarding /api/v3/...; AUTH0_* variables turn on identity-provider login.
import { runExample } from './shared/demo-server';

const { AUTH0_ISSUER, AUTH0_AUDIENCE, AUTH0_JWKS_URI, AUTH0_USERS } = process.env;
const identityProvider =
  AUTH0_ISSUER && AUTH0_AUDIENCE
    ? {
        externalIdentityProvider: {
          issuer: AUTH0_ISSUER,
          audience: AUTH0_AUDIENCE,
          // Auth0 publishes its keys here; any other provider sets AUTH0_JWKS_URI.
          jwksUri: AUTH0_JWKS_URI || new URL('.well-known/jwks.json', AUTH0_ISSUER).href,
          allowedSubjects: (AUTH0_USERS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        },
      }
    : {};

void runExample({ preset: 'datarhei', guardedRoute: '/api/v3/{*path}', extraOptions: identityProvider });
