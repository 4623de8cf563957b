// The injectable logger and the codes of the warnings we emit. Nothing in lib/ writes to the console itself.

/** Where the library reports warnings and unexpected errors. `console` fits; so do pino and winston. */
export interface Logger {
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Coded warnings, so a host can filter or assert them.
 * A warning is a legal but risky setting: it does not stop start-up.
 */
export type WarningCode =
  | 'WEAK_BCRYPT_COST'
  | 'PERMISSIVE_TRUST_PROXY'
  | 'MEMORY_STORE_IN_PRODUCTION'
  | 'NO_MAILER'
  | 'NO_API_KEY_STORE'
  | 'EVENT_HANDLER_FAILED'
  | 'NO_RESET_MAILER'
  | 'INSECURE_DEVELOPMENT_COOKIES';

/** Where each warning is explained: its section of the package's docs/errors.md (the anchor is the lower-cased code). */
function warningDocLink(code: WarningCode): string {
  return `docs/errors.md#${code.toLowerCase()}`;
}

export function warn(logger: Logger, code: WarningCode, message: string): void {
  logger.warn(`[express-auth-kit] ${code}: ${message} (see ${warningDocLink(code)})`);
}

/**
 * Reports an unexpected error caught inside the library through `logger.error`: what failed, and the error's message
 * only. Never its stack or other properties: they may carry a request body, and with it a password.
 */
export function reportError(logger: Logger, event: string, error: unknown): void {
  logger.error(`[express-auth-kit] ${event}: ${error instanceof Error ? error.message : String(error)}`);
}

/** The default: warnings and errors to stderr through console. */
export const consoleLogger: Logger = {
  warn: (message) => process.emitWarning(message, { type: 'ExpressAuthKitWarning' }),
  error: (message) => process.stderr.write(`${message}\n`),
};

/** A logger that drops everything: for tests that check nothing is logged, or hosts that want silence. */
export const silentLogger: Logger = { warn: () => undefined, error: () => undefined };
