// Rate-limits a stream of values to one per interval, keeping the latest: a value pushed too soon
// is held and sent when the interval is up (replacing any older held value), and flush() sends
// whatever is held, so the last value always goes out. Sends never overlap and keep their order.
export class Throttle<T> {
  private lastSent = -Infinity;
  private pending: { value: T } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly send: (value: T) => Promise<void>,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  push(value: T): void {
    this.pending = { value };
    if (this.timer) return;
    const wait = this.lastSent + this.intervalMs - this.now();
    if (wait <= 0) this.sendPending();
    else this.timer = setTimeout(() => this.sendPending(), wait);
  }

  /** Sends the held value now, if any, and waits for every send so far. */
  async flush(): Promise<void> {
    this.sendPending();
    await this.chain;
  }

  private sendPending(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.lastSent = this.now();
    this.chain = this.chain.then(() => this.send(pending.value)).catch(() => undefined);
  }
}
