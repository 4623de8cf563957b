// The services one auth instance's flows share, built once from the resolved options.
import type { ResolvedConfig } from '../options';
import type { PasswordHasher } from '../passwords/hasher';
import type { StateStore, UserStore } from '../stores/types';
import type { TokenService } from '../tokens/token-service';
import type { ExternalIdentityVerifier } from './external-identity';
import type { LoginThrottle } from './lockout';
import type { SessionVersions } from './sessions';

export interface AuthContext {
  config: ResolvedConfig;
  users: UserStore;
  /** The configured state store, wrapped so that an outage fails closed with a 503. */
  state: StateStore;
  tokens: TokenService;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  sessions: SessionVersions;
  externalIdentity: ExternalIdentityVerifier | undefined;
}
