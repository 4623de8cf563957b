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
  const code = (error as { code?: unknown } | null)?.code;
  // MODULE_NOT_FOUND also covers a dependency of the peer missing; only the peer itself counts as "not installed".
  return code === 'MODULE_NOT_FOUND' && error instanceof Error && error.message.includes(`'${name}'`);
}
