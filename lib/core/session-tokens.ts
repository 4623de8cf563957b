// The session flows under the names the rest of the core and the HTTP edge import them by. Each lives in the module
// for what it holds: sessions.ts (opening, listing, ending), access-token-sessions.ts (access tokens from an access
// token), refresh.ts (refresh and its grace window), session-signing.ts (the tokens), refresh-families.ts (the refresh
// keyspace), session-versions.ts (ending them all).
export { endAccessTokenSession, issueAccessTokenFrom } from './access-token-sessions';
export { refreshSession } from './refresh';
export type { SessionTokens } from './session-signing';
export {
  endAllSessions,
  endSession,
  issueSession,
  listSessions,
  logout,
  openSession,
  readSessionIndex,
  type IssueSessionOptions,
  type OpenSessionOptions,
  type SessionIndexRead,
} from './sessions';
