// Crash and pause injection for the archiver's fault tests: wraps the ports' writing methods so
// that every effect is logged as a step, and a run can be made to crash (throw) or pause right
// after its n-th effect, as a process that dies or stalls there would.

/** What an injected crash throws: the run stops right after `step` took effect. */
export class InjectedCrash extends Error {
  constructor(readonly step: string) {
    super(`injected crash after ${step}`);
    this.name = 'InjectedCrash';
  }
}

type Plan =
  | { readonly after: number; readonly action: 'crash' }
  | {
      readonly after: number;
      readonly action: 'pause';
      reached(step: string): void;
      readonly gate: Promise<void>;
    };

type Method = (...args: never[]) => unknown;
/** Names an effect's step from its arguments, e.g. the session a mark moved for. */
type Describe = (...args: never[]) => string;

export interface Pause {
  /** Resolves with the step the paused run stopped after. */
  readonly reached: Promise<string>;
  resume(): void;
}

export class FaultInjector {
  /** Every effect, in order, since the last `reset`. */
  readonly steps: string[] = [];
  /** True from an injected crash until the next plan or reset: the crashed process is gone. */
  crashed = false;
  private plan: Plan | undefined;
  private counted = 0;

  /** The next run crashes right after its `n`-th effect (1-based, counted from now). */
  crashAfter(n: number): void {
    this.counted = 0;
    this.crashed = false;
    this.plan = { after: n, action: 'crash' };
  }

  /** The next run stops right after its `n`-th effect (counted from now) until resumed. */
  pauseAfter(n: number): Pause {
    this.counted = 0;
    let reached!: (step: string) => void;
    let resume!: () => void;
    const reachedPromise = new Promise<string>((resolve) => {
      reached = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      resume = resolve;
    });
    this.plan = { after: n, action: 'pause', reached, gate };
    return { reached: reachedPromise, resume };
  }

  /** No more faults; the step log starts again. */
  reset(): void {
    this.plan = undefined;
    this.crashed = false;
    this.counted = 0;
    this.steps.length = 0;
  }

  /**
   * `target` with its `effects` methods counted as steps (`<name>.<method>` or, with a
   * describer, `<name>.<method>(<description>)`); every other member is the target's own.
   */
  wrap<T extends object>(
    name: string,
    target: T,
    effects: Partial<Record<keyof T & string, Describe | true>>,
  ): T {
    return new Proxy(target, {
      get: (object, property, receiver) => {
        const value = Reflect.get(object, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const method = (value as Method).bind(object);
        const describe = effects[property as keyof T & string];
        if (describe === undefined) return method;
        return async (...args: never[]) => {
          const result = await method(...args);
          await this.effect(
            `${name}.${String(property)}${describe === true ? '' : `(${describe(...args)})`}`,
          );
          return result;
        };
      },
    });
  }

  private async effect(step: string): Promise<void> {
    this.steps.push(step);
    this.counted++;
    const plan = this.plan;
    if (!plan || this.counted !== plan.after) return;
    this.plan = undefined;
    if (plan.action === 'crash') {
      this.crashed = true;
      throw new InjectedCrash(step);
    }
    plan.reached(step);
    await plan.gate;
  }
}
