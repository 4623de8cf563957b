// Time, injected: tests move a clock instead of sleeping.

/** Milliseconds since the epoch, like Date.now. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

export function nowSeconds(clock: Clock): number {
  return Math.floor(clock() / 1000);
}
