/**
 * Times a tool call: the whole of it, and the part spent waiting on the tool itself (WorkOS,
 * a provider), so the pipeline's own cost is the difference.
 */
export class Stopwatch {
  private readonly started = performance.now();
  private upstreamMs = 0;

  /** Runs `work`, counting its time as the tool's. */
  async time<T>(work: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.upstreamMs += performance.now() - t;
    }
  }

  totalMs(): number {
    return performance.now() - this.started;
  }

  /** The pipeline's own time, or undefined when the tool never ran (nothing to compare). */
  ownMs(): number | undefined {
    return this.upstreamMs > 0 ? this.totalMs() - this.upstreamMs : undefined;
  }
}
