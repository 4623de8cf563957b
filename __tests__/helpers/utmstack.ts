// UTMStack's wire contract for an emailed second-factor challenge (seeds 000, 001), shared by the tests that check it.

/** The body of `POST /api/authenticate` for a user with the EMAIL factor: no session yet, a challenge token. */
export function utmstackEmailChallenge(firstLogin: unknown = true): Record<string, unknown> {
  return {
    token: expect.any(String),
    success: false,
    authenticated: false,
    method: 'EMAIL',
    tfaConfigured: true,
    forceTfa: false,
    tfaExpiresInSeconds: 300,
    firstLogin,
  };
}
