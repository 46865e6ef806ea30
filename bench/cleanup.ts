// Teardown that runs once, in reverse order, on success, on failure and on Ctrl-C.
import { progress } from './log.js';

/** A stack of teardown steps; each runs once even if `run` is called twice. */
export class Cleanup {
  private readonly steps: Array<{ name: string; step: () => Promise<void> }> = [];
  private running: Promise<void> | undefined;
  private signalled = false;

  /** True once SIGINT or SIGTERM arrived: failures after that are expected. */
  get interrupted(): boolean {
    return this.signalled;
  }

  /** Registers a step; later steps run first. */
  add(name: string, step: () => Promise<void>): void {
    this.steps.push({ name, step });
  }

  /** Runs every step, newest first; a failing step is reported and does not stop the others. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const { name, step } of this.steps.reverse()) {
        try {
          await step();
        } catch (error) {
          progress(`cleanup: ${name} failed: ${(error as Error).message}`);
        }
      }
    })();
    return this.running;
  }

  /** Runs the steps on SIGINT/SIGTERM, then exits with 130/143. */
  onSignals(): void {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(signal, () => {
        this.signalled = true;
        progress(`${signal}: cleaning up`);
        void this.run().finally(() => process.exit(code));
      });
    }
  }
}
