// The contract every connection kind implements: analyse a request into facts and authorization
// questions, execute it on the target, mask what comes back. The pipeline (lambdas/core/pipeline)
// runs these phases in the same order, with the same recording, for every kind.

import type { ImpactPreview } from '../approval/approval.js';
import type { Connection, ConnectionKind } from '../config/connection.js';
import type { AuthorizationQuestion } from '../decision/decision.js';
import type { TollgateError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import type { GatewayRequest } from '../pipeline/requests.js';
import type { PolicyEngine } from '../ports.js';
import type { JsonValue } from '../recording/canonical-json.js';

/** What a unit's analysis yields: the facts it keeps, the questions for the policy engine. */
export type AnalysisResult<A> =
  | {
      readonly ok: true;
      readonly analysis: A;
      /** One question per part (statement), without the principal; the strictest answer wins. */
      readonly questions: ReadonlyArray<Omit<AuthorizationQuestion, 'principal'>>;
      /** What the recording keeps of the analysis (kinds, tables, functions: no values). */
      readonly summary: { readonly [k: string]: JsonValue };
      /** True when every part only reads: a policy's allow suffices to run it. */
      readonly readOnly: boolean;
      /**
       * The request as people are shown it (recordings, reviewers, notifications): for SQL, the
       * text with detected values masked inside its literals only.
       */
      readonly display: string;
    }
  | {
      readonly ok: false;
      /** The refusal. With `rule`, it is recorded as a `block` decision by analysis. */
      readonly error: TollgateError;
      readonly rule?: string;
    };

/** How a request may run: reads in a read-only transaction; approved writes committed once. */
export type RunMode = 'read' | 'write';

/** Bounds of an approved write: more rows changed than approved, and it is rolled back. */
export interface RunBounds {
  readonly maxAffectedRows: number;
}

export interface UnitContext<C extends Connection, R, A> {
  readonly principal: Principal;
  readonly connection: C;
  readonly request: R;
  readonly analysis: A;
  readonly engine: PolicyEngine;
}

/** What a request produced, masked, with what the recording keeps of it (counts, never values). */
export interface MaskedOutput<O> {
  readonly output: O;
  readonly summary: { readonly [k: string]: JsonValue };
}

export interface ProtocolUnit<
  C extends Connection = Connection,
  R = GatewayRequest,
  A = unknown,
  X = unknown,
  O = unknown,
> {
  readonly kinds: readonly C['kind'][];
  /** The request kinds this unit serves (a SQL connection refuses an HTTP request). */
  accepts(request: GatewayRequest): request is GatewayRequest & R;
  /** Pure: never throws on bad input (the refusal is a result). */
  analyse(connection: C, request: R): AnalysisResult<A>;
  /**
   * Completes the questions with facts only the target's catalogue (read through caches) and the
   * principal's allowances establish: for SQL, the masked classes a statement uses to choose,
   * order or count rows. Runs before the decision; throws a TollgateError when it cannot decide.
   */
  inspect?(
    context: UnitContext<C, R, A>,
    questions: ReadonlyArray<Omit<AuthorizationQuestion, 'principal'>>,
  ): Promise<ReadonlyArray<Omit<AuthorizationQuestion, 'principal'>>>;
  /** Runs on the target. Throws TollgateErrors whose messages are safe for the caller. */
  execute(context: UnitContext<C, R, A>, mode: RunMode, bounds?: RunBounds): Promise<X>;
  /**
   * What a write would touch, asked of the target without running it (PostgreSQL: plain
   * EXPLAIN, never ANALYZE), for the reviewers of a held request. Null when the target cannot say.
   */
  preview?(context: UnitContext<C, R, A>): Promise<ImpactPreview | null>;
  /** Masks before anything else (the agent, the recording, a log) sees the result. */
  mask(context: UnitContext<C, R, A>, raw: X): Promise<MaskedOutput<O>>;
  /**
   * What an agent may know of the target before it asks (`GET /v1/connections/{name}`): for SQL,
   * tables and columns with each column's data class and whether this principal sees it masked.
   */
  describe(context: { principal: Principal; connection: C; engine: PolicyEngine }): Promise<{
    readonly [k: string]: JsonValue;
  }>;
}

/** The units of the kinds this function serves, loaded on first use (MySQL only when a MySQL connection is asked for). */
export interface ProtocolUnits {
  unitFor(kind: ConnectionKind): Promise<ProtocolUnit | undefined>;
}

/** A registry over lazy loaders: each loader runs at most once (a failed load is retried). */
export const protocolUnits = (
  loaders: Readonly<Partial<Record<ConnectionKind, () => Promise<ProtocolUnit>>>>,
): ProtocolUnits => {
  const loaded = new Map<ConnectionKind, Promise<ProtocolUnit>>();
  return {
    unitFor(kind) {
      const load = loaders[kind];
      if (!load) return Promise.resolve(undefined);
      let unit = loaded.get(kind);
      if (!unit) {
        unit = load().catch((error: unknown) => {
          loaded.delete(kind);
          throw error;
        });
        loaded.set(kind, unit);
      }
      return unit;
    },
  };
};
