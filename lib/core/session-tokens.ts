// The session flows under the names the rest of the core and the HTTP edge import them by. Each lives in the module
// for what it holds: sessions.ts (opening, listing, ending), refresh.ts (refresh and its grace window),
// session-signing.ts (the tokens), refresh-families.ts (the refresh keyspace), session-versions.ts (ending them all).
export { refreshSession } from './refresh';
export type { SessionTokens } from './session-signing';
export {
  endAccessTokenSession,
  endAllSessions,
  endSession,
  issueAccessTokenFrom,
  issueSession,
  listSessions,
  logout,
  openSession,
  readSessionIndex,
  type IssueSessionOptions,
  type OpenSessionOptions,
  type SessionIndexRead,
} from './sessions';
