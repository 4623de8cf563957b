// The login flood's server modes, shared by bench/login-flood.ts and bench/login-flood-server.ts (kept apart from the
// server so that importing them does not start one).
import type { FloodMode } from './fixtures';

/** The library's two queue modes, plus `floor`: the same app with a bare Express 503 on POST /login. */
export type FloodServerMode = FloodMode | 'floor';
/** In the order the bench runs them, each in a fresh server. */
export const FLOOD_SERVER_MODES: readonly FloodServerMode[] = ['floor', 'bounded', 'unbounded'];
