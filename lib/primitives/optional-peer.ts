// Loads an optional peer dependency (nodemailer, rate-limit-redis) the first time a host uses the feature that needs
// it, so a host that never does need not install it. Synchronous, from the CommonJS and the ES module build alike.
import { createRequire } from 'node:module';

/**
 * The module `name`, loaded on first use. When it is not installed, a `TypeError` names the package and the command
 * that installs it (`feature` says what needed it); any other failure while loading it is rethrown as it is.
 */
export function loadOptionalPeer<T>(name: string, feature: string): T {
  // __filename exists in the ES module build too (tsup's shims), so one require serves both builds; the peer is
  // resolved from this package's own location, as a static import would be.
  const load = createRequire(__filename);
  try {
    return load(name) as T;
  } catch (error) {
    if (isNotFound(error, name)) {
      throw new TypeError(
        `${feature} needs the optional peer dependency "${name}", which is not installed: run \`npm install ${name}\`.`,
        { cause: error },
      );
    }
    throw error;
  }
}

function isNotFound(error: unknown, name: string): boolean {
  // The same error is thrown when a dependency of the peer is missing: only the peer itself is "not installed".
  // Duck-typed: a loader in another realm (a test runner's) throws an Error of its own.
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.startsWith(`Cannot find module '${name}'`);
}
