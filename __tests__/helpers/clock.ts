// A clock tests move by hand, in a module of its own so that suites of the token layer can use it without loading the
// password hasher or the rest of the library (fixtures.ts re-exports it).

/** A clock tests move by hand. Starts at a fixed instant so results are reproducible. */
export interface FakeClock {
  (): number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function createFakeClock(start = Date.UTC(2026, 0, 1, 12, 0, 0)): FakeClock {
  let now = start;
  const clock = (() => now) as FakeClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}
