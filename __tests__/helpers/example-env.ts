// The environment an example (examples/*.ts) built inside a test reads: memory stores and console mail (no Redis,
// Postgres, SMTP server or key file), HMAC with the test's secret; and its console kept quiet.

/** The variables that would point an example at services or a key file. */
const SERVICE_VARIABLES = ['REDIS_URL', 'DATABASE_URL', 'SMTP_URL', 'JWT_ALGORITHM', 'JWT_PRIVATE_KEY_FILE'];

/** Unsets the service variables (and `alsoUnset`, e.g. TRUST_PROXY) and sets JWT_SECRET to `secret`. */
export function useExampleEnvironment(secret: string, alsoUnset: readonly string[] = []): void {
  for (const name of [...SERVICE_VARIABLES, ...alsoUnset]) delete process.env[name];
  process.env.JWT_SECRET = secret;
}

/** Silences the example's console.warn and console.log for the test (jest spies, restored with the test's mocks). */
export function quietExampleConsole(): void {
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
}
