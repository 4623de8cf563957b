// UTMStack's wire contract for an emailed second-factor challenge (seeds 000, 001), shared by the tests that check it.

/**
 * The body of `POST /api/authenticate` for a user with the EMAIL factor: no session yet, a challenge token.
 * `success` and `forceTfa` are true as UTMStack's backend sends them on a challenge (DESIGN, "The seed presets"; the
 * backend's `LoginResponseDTO` built in `UserJWTController.authorize`, utmstack/UTMStack v11, and the v11+ frontend's
 * `auth-jwt.service.ts` `login()`, which keeps the method and expiry only when `forceTfa` is true); `authenticated`
 * false says the code is still needed. `id_token` repeats the token for the frontends that read it there.
 */
export function utmstackEmailChallenge(firstLogin: unknown = true): Record<string, unknown> {
  return {
    token: expect.any(String),
    id_token: expect.any(String),
    success: true,
    authenticated: false,
    method: 'EMAIL',
    tfaConfigured: true,
    forceTfa: true,
    tfaExpiresInSeconds: 300,
    firstLogin,
  };
}
