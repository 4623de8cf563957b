// How long a bcrypt job takes, by cost, as the workers measured it: what the pool's wait estimate is made of.

/** Weight of the newest duration in the moving average: about the last ten jobs count. */
const DURATION_SMOOTHING = 0.2;
/** The guess for a cost never measured, when no cost has been: about a comparison's time on a 2-core machine. */
const COST_10_GUESS_MS = 100;

/** A moving average of a job's bcrypt time on its worker, per cost factor. */
export class JobTimings {
  private readonly averageMs = new Map<number, number>();

  /** The expected duration of a job at `cost`: its moving average, else scaled from the nearest cost measured. */
  expectedMs(cost: number | undefined): number {
    if (cost === undefined) return 1; // a malformed hash fails before any key expansion
    const measured = this.averageMs.get(cost);
    if (measured !== undefined) return measured;
    let nearest: { cost: number; ms: number } | undefined;
    for (const [known, ms] of this.averageMs) {
      if (nearest === undefined || Math.abs(known - cost) < Math.abs(nearest.cost - cost))
        nearest = { cost: known, ms };
    }
    // Each step of the cost doubles bcrypt's key expansion, hence its time.
    if (nearest === undefined) return COST_10_GUESS_MS * 2 ** (cost - 10);
    return nearest.ms * 2 ** (cost - nearest.cost);
  }

  /**
   * Folds a job's bcrypt time, as the worker measured it, into its cost's average. Not the time from posting to
   * answer: when the host's loop is busy (say, reading a burst of 2,000 requests) the answer waits to be read, and
   * counting that wait would inflate every estimate and refuse logins the workers had time for.
   */
  record(cost: number, tookMs: number): void {
    const previous = this.averageMs.get(cost);
    this.averageMs.set(cost, previous === undefined ? tookMs : previous + DURATION_SMOOTHING * (tookMs - previous));
  }
}
