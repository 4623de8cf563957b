// Audit events: typed, secret-free records of what happened, delivered to the host's `onEvent` without ever blocking
// or failing a request.
import type { AuthErrorCode } from '../errors';
import type { Logger } from '../logger';
import { warn } from '../logger';
import type { Clock } from '../primitives/clock';
import { currentRequest, type ClientSummary } from './request-scope';

/** Every event name, in the catalogue docs/events.md lists (a test holds the two together). */
export type AuthEventName =
  | 'login.succeeded'
  | 'login.failed'
  | 'lockout.started'
  | 'tfa.sent'
  | 'tfa.verified'
  | 'tfa.failed'
  | 'recovery_code.used'
  | 'password.changed'
  | 'password.reset_requested'
  | 'password.reset_completed'
  | 'session.ended'
  | 'sessions.ended_all'
  | 'refresh.reuse_detected'
  | 'api_key.created'
  | 'api_key.used_failed'
  | 'api_key.deleted'
  | 'user.registered'
  | 'user.verified'
  | 'passkey.registered'
  | 'passkey.used'
  | 'passkey.deleted'
  | 'passkey.counter_regressed'
  | 'device.trusted'
  | 'devices.untrusted';

/**
 * One audit event. It never carries a password, a code, a token, a key or a reset token: only ids, codes of reasons
 * and the client summary.
 */
export interface AuthEvent {
  event: AuthEventName;
  /** When it happened, ISO 8601. */
  at: string;
  /** The user it concerns, when known (never for a name that matched nobody). */
  userId?: string;
  /** Why it failed: the error code the client was answered with (`login.failed`, `tfa.failed`). */
  reason?: AuthErrorCode;
  /** The second factor involved (`tfa.*`). */
  method?: 'EMAIL' | 'TOTP' | 'recovery_code' | 'passkey' | 'trusted_device';
  /** The session (refresh family) concerned. */
  sessionId?: string;
  /** The API key concerned (its id, never its text). */
  apiKeyId?: string;
  /** The passkey concerned (our id, never its credential or public key). */
  passkeyId?: string;
  /** The API keys a password reset or "log out everywhere" revoked: ids and names, never their text. */
  revokedApiKeys?: { id: string; name: string }[];
  /** The trusted device concerned (`device.trusted`; `tfa.verified` with the method `trusted_device`). */
  trustedDeviceId?: string;
  /** How many trusted devices were ended (`devices.untrusted`). */
  untrustedDevices?: number;
  /** When a lockout ends, ISO 8601 (`lockout.started`). */
  until?: string;
  /** Whether the locked identity is a device (device cookie) rather than the account (`lockout.started`). */
  device?: boolean;
  /** The client, summarised. */
  client?: ClientSummary;
  /** The id of the request that caused it (the `X-Request-Id` header when the client sent a sane one). */
  requestId?: string;
}

/** Receives every event. Its errors and slowness are the host's: they never change an answer. */
export type AuthEventHandler = (event: AuthEvent) => void | Promise<void>;

/** The fields an emitter gives; time and request context are added here. */
export type AuthEventFields = Omit<AuthEvent, 'event' | 'at' | 'client' | 'requestId'>;

/** Delivers events to the host's handler, isolated: after the current request's work, errors logged once. */
export class EventSink {
  private failureReported = false;
  /** A synchronous observer of every event, even without a handler: the metrics of `auth.metrics()`. */
  tap: ((event: AuthEventName, fields: AuthEventFields) => void) | undefined = undefined;

  constructor(
    private readonly handler: AuthEventHandler | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  emit(event: AuthEventName, fields: AuthEventFields = {}): void {
    this.tap?.(event, fields);
    const handler = this.handler;
    if (!handler) return;
    const request = currentRequest();
    const record: AuthEvent = {
      event,
      at: new Date(this.clock()).toISOString(),
      ...fields,
      ...(request ? { client: { ...request.client }, requestId: request.requestId } : {}),
    };
    // Delivered after the current work, never awaited: a slow or hanging handler holds nothing of ours.
    setImmediate(() => {
      try {
        const result = handler(record);
        if (result && typeof (result as Promise<void>).then === 'function')
          (result as Promise<void>).catch((error: unknown) => this.report(error));
      } catch (error) {
        this.report(error);
      }
    });
  }

  private report(error: unknown): void {
    if (this.failureReported) return;
    this.failureReported = true;
    warn(
      this.logger,
      'EVENT_HANDLER_FAILED',
      `the "onEvent" handler failed (reported once): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
