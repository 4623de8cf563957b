// The public surface: named exports only, each with why it is public.

// Mounting the routes and guarding the host's own routes.
export {
  createAuth,
  createAuthRouter,
  requireAuth,
  authenticateRouter,
  accountRouter,
  refreshRouter,
  authHeaderRouter,
} from './auth';
export type { Auth } from './auth';
export type { RequireAuthOptions } from './http/guard';
// The request type of a handler behind requireAuth(): `req.auth` is set there, so strict code needs no `!`.
export type { AuthenticatedRequest } from './http/authenticated-request';
export { authenticated } from './http/authenticated-request';
export type { AuthInfo } from './http/auth-info';
export type { OpenApiDocument, OpenApiOptions } from './http/openapi';
// `auth.metrics(registry, options)`: the registry as this package sees it (prom-client's fits), and the options.
export type { MetricsRegistry, MetricsOptions } from './http/metrics';

// Configuration types, so hosts can build options objects with checking.
export type { AuthOptions, ExternalIdentityProviderOptions, RateLimitOption } from './options';
// The option groups: tokens, passwords, sessions (with refresh), and the feature groups' own types.
export type {
  TokensOptions,
  PasswordsOptions,
  SessionsOptions,
  RefreshOptions,
  SecondFactorOptions,
  LockoutOptions,
  RateLimitOptions,
  ApiKeysOptions,
  DeviceCookieOptions,
  PasswordResetOptions,
} from './options';
// Sign-up: the option and the host's hook, for hosts that type their configuration.
export type { RegistrationOptions } from './options';
export type { RegistrationAttempt, RegistrationDecision, RegistrationHook } from './core/registration-types';
// The browsers' cookie transport (refresh token in an HttpOnly __Host- cookie, CSRF-checked); its opt-in header's name.
export type { CookieOptions, PasskeyOptions } from './options';
export { COOKIE_TRANSPORT_HEADER } from './http/csrf';
// Trusted devices ("remember this browser"): the option's type, and what a preset's trustedDeviceList formatter receives.
export type { TrustedDevicesOptions } from './options';
export type { TrustedDeviceInfo } from './core/results';
export type { Duration } from './primitives/duration';
export type { Clock } from './primitives/clock';
export type { SecretOption, KeyPairSecret, HmacAlgorithm, AsymmetricAlgorithm, SigningAlgorithm } from './tokens/keys';

// Key sets: several verification keys by `kid`, rotation, a JWKS; one key directory shared by every instance.
export { KeySet } from './tokens/key-set';
export type {
  KeySetOptions,
  KeySetRotationOptions,
  KeyStatus,
  KeyState,
  KeyRotation,
  RotateKeysOptions,
  Jwks,
} from './tokens/key-set';
export { loadKeySetFromDirectory, rotateKeyDirectory, generateKeyDirectory } from './tokens/key-directory';
export type { LoadKeyDirectoryOptions, RotateKeyDirectoryOptions, KeyDirectoryRotation } from './tokens/key-directory';
export { generateKeyPair } from './tokens/key-material';
export type { AccessClaims, RefreshClaims, ChallengeClaims, TokenUse } from './tokens/claims';

// Audit events: the `onEvent` option's types.
export type { AuthEvent, AuthEventName, AuthEventHandler } from './core/events';
export type { ClientSummary } from './core/request-scope';

// Errors: `switch (err.code)` on the stable union.
export { AuthError, isAuthError, AUTH_ERROR_CATALOGUE } from './errors';
export type { AuthErrorCode } from './errors';
export type { Logger, WarningCode } from './logger';
export { silentLogger } from './logger';

// Passwords: seeding users, and the policy a host may reuse in its own sign-up.
export { hashPassword, DEFAULT_BCRYPT_COST } from './passwords/hasher';
export type { HashPasswordOptions } from './passwords/hasher';
export { checkPasswordPolicy, resolvePasswordPolicy, BCRYPT_MAX_BYTES } from './passwords/policy';
export type { PasswordPolicyOptions, PasswordRule, PasswordRuleFailure } from './passwords/policy';

// Adapters: the contracts a host implements, and the implementations we ship.
export type {
  User,
  UserStore,
  StateStore,
  ApiKeyRecord,
  Counter,
  PasskeyRecord,
  SecondFactorMethod,
  NewUser,
  CreateUserResult,
} from './stores/types';
export { MemoryUserStore } from './stores/memory-user-store';
export type { UserSeed } from './stores/memory-user-store';
export { MemoryStateStore } from './stores/memory-state-store';
export type { MemoryStateStoreOptions } from './stores/memory-state-store';
export { RedisStateStore } from './stores/redis-state-store';
export { PostgresUserStore } from './stores/postgres-user-store';
export type {
  Mailer,
  SecondFactorMail,
  PasswordResetMail,
  RecoveryCodeUsedMail,
  PasswordResetCompletedMail,
  VerificationMail,
  RegistrationNoticeMail,
} from './mailers/types';
export { NodemailerMailer } from './mailers/nodemailer-mailer';
export type { NodemailerMailerOptions, MailTemplate } from './mailers/nodemailer-mailer';
export { MemoryMailer } from './mailers/memory-mailer';

// Wire formats: the built-in presets, to use by name or to spread into a host's own.
export { presets } from './presets';
export type { PresetName } from './presets';
export { definePreset } from './presets/types';
export type {
  Preset,
  PresetRoutes,
  PresetDefaults,
  PresetAnswers,
  Answer,
  AnswerBody,
  AnswerName,
  AnswerResult,
  AnswerSpec,
  ErrorAnswer,
  LoginStatus,
  Reply,
  ReplyContext,
  LoginSuccess,
  SecondFactorChallenge,
  RefreshSuccess,
  ApiKeyCreated,
  TotpEnrolment,
} from './presets/types';
// What a preset's formatters receive inside the results above.
export type { IssuedToken } from './tokens/token-service';

// TOTP helpers, for hosts that enrol authenticator apps through their own screens.
export { generateTotpSecret, totpUri } from './primitives/totp';
export type {
  RedisSendCommand,
  RedisSendCommandCluster,
  RedisClusterCommand,
  RedisStateStoreOptions,
} from './stores/redis-state-store';
// The one rule every shipped UserStore matches names by, for hosts that edit login_key/email_key or write a store.
export { foldName } from './stores/fold-name';
export { postgresUserStoreSchema } from './stores/postgres-user-store';
export type { PgQueryable, PostgresUserStoreOptions, PostgresSchemaOptions } from './stores/postgres-user-store';
