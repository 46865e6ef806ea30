// Pushing a new version of a configuration set (policies, connections): record the change in the
// hash-chained `config-audit` system session, then make it the active version. The audit event is
// written BEFORE the store moves its ACTIVE pointer, so no activation is ever unrecorded; a push
// that then loses a race is recorded as failed, re-reads the active version and tries once more.
import type { Principal } from '../identity/principal.js';
import type { Clock, IdGenerator, VersionedSetStore, VersionStamp } from '../ports.js';
import type { JsonValue } from '../recording/canonical-json.js';
import type { SessionEventType } from '../recording/events.js';
import type { SessionRecorder } from '../recording/session-recorder.js';

/**
 * The system session holding every configuration change (policies and connections), in order;
 * the `tollgate:` prefix is reserved for such sessions.
 */
export const CONFIG_AUDIT_SESSION = 'tollgate:config-audit';

/** Owner of system sessions: no token can carry this issuer. */
export const SYSTEM_PRINCIPAL: Principal = {
  sub: 'tollgate-system',
  issuer: 'tollgate',
  groups: [],
  tokenId: undefined,
  actsFor: undefined,
};

/** Who pushes: a verified principal (recorded as `sub@issuer`) or a name such as `operator:alice`. */
export type Actor = string | Pick<Principal, 'sub' | 'issuer'>;

export const actorName = (actor: Actor): string =>
  typeof actor === 'string' ? actor : `${actor.sub}@${actor.issuer}`;

export interface VersionedPushDeps<V extends VersionStamp> {
  readonly store: VersionedSetStore<V>;
  readonly recorder: SessionRecorder;
  readonly clock: Clock;
  /** Request ids of the audit events; derived from the time and version when absent. */
  readonly ids?: IdGenerator;
}

export interface VersionedPushSpec<V extends VersionStamp, C> {
  /** Prefix of derived request ids: `<kind>-push:<time>:v<n>`. */
  readonly kind: string;
  readonly events: { readonly changed: SessionEventType; readonly failed: SessionEventType };
  readonly digest: string;
  readonly actor: Actor;
  readonly comment: string | undefined;
  /** The content of the new version (everything but its stamp). */
  readonly content: Omit<V, keyof VersionStamp>;
  /**
   * The change from the active version (undefined before the first push), and what the
   * `changed` event records of it beside the common facts. Never secrets.
   */
  change(active: V | undefined): { readonly change: C; readonly data: { [k: string]: JsonValue } };
}

export type VersionedPushResult<V, C> =
  | {
      readonly outcome: 'activated';
      readonly version: V;
      /** 0 before the first push. */
      readonly previousVersion: number;
      readonly change: C;
    }
  /** The content is already the active version: nothing was stored or recorded. */
  | { readonly outcome: 'unchanged'; readonly version: number }
  /** Two pushes in a row lost to concurrent pushes; the caller may run again. */
  | { readonly outcome: 'conflict' };

const ATTEMPTS = 2;

/**
 * Records and activates a new version. The caller has validated the content. Throws
 * RecordingUnavailableError when the change cannot be recorded (nothing is activated); store
 * failures propagate after the failure is recorded.
 */
export const pushVersion = async <V extends VersionStamp, C>(
  deps: VersionedPushDeps<V>,
  spec: VersionedPushSpec<V, C>,
): Promise<VersionedPushResult<V, C>> => {
  const createdBy = actorName(spec.actor);
  const now = () => deps.clock.now().toISOString();
  await deps.recorder.open(CONFIG_AUDIT_SESSION, SYSTEM_PRINCIPAL, now());

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const active = await deps.store.active();
    if (active?.digest === spec.digest) return { outcome: 'unchanged', version: active.version };

    const previousVersion = active?.version ?? 0;
    const version = previousVersion + 1;
    const createdAt = now();
    const requestId = deps.ids?.newId() ?? `${spec.kind}-push:${createdAt}:v${version}`;
    const { change, data } = spec.change(active);
    const facts: { [k: string]: JsonValue } = {
      version,
      previousVersion,
      digest: spec.digest,
      previousDigest: active?.digest ?? null,
      actor: createdBy,
      comment: spec.comment ?? null,
    };
    const record = (type: SessionEventType, extra: { [k: string]: JsonValue }) =>
      deps.recorder.append(CONFIG_AUDIT_SESSION, [
        { type, requestId, at: now(), data: { ...facts, ...extra } },
      ]);

    // Recorded first: if this fails, nothing is activated.
    await record(spec.events.changed, data);

    let outcome: V | 'conflict';
    try {
      outcome = await deps.store.push(
        {
          ...spec.content,
          digest: spec.digest,
          createdAt,
          createdBy,
          comment: spec.comment,
        } as Omit<V, 'version'>,
        previousVersion,
      );
    } catch (error) {
      // Whether the pointer moved is unknown (the answer may be what was lost): the store's
      // ACTIVE version is the truth, and the audit says the outcome is unknown.
      await record(spec.events.failed, {
        reason: 'store-error',
        activation: 'unknown',
        error: error instanceof Error ? error.message : String(error),
      }).catch(() => undefined);
      throw error;
    }
    if (outcome !== 'conflict') return { outcome: 'activated', version: outcome, previousVersion, change };
    await record(spec.events.failed, { reason: 'conflict' });
  }
  return { outcome: 'conflict' };
};
