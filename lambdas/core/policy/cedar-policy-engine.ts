// The PolicyEngine on Cedar (@cedar-policy/cedar-wasm): one authorization question, (principal,
// action, resource, context), one Cedar request. Cedar says allow or deny and which policies
// determined it; the policies' annotations turn that into an answer an agent can act on.
import {
  type AuthorizationAnswer,
  type EntityJson,
  preparsePolicySet,
  statefulIsAuthorized,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { Connection } from '../config/connection.js';
import type { AuthorizationQuestion, Decision } from '../decision/decision.js';
import type { Principal } from '../identity/principal.js';
import type { PolicyEngine } from '../ports.js';
import type { CompiledPolicySet } from './policy-set.js';
import { PolicySetError } from './policy-set.js';
import { SQL_ACTIONS } from './sql-action.js';

const NS = 'Tollgate';

const principalUid = (p: Principal) => ({ type: `${NS}::${p.actsFor ? 'Agent' : 'User'}`, id: p.sub });
const connectionUid = (c: Connection) => ({ type: `${NS}::Connection`, id: c.name });

/** The request's entities: the principal in its groups, the groups, the connection. */
const entitiesFor = (principal: Principal, connection: Connection): EntityJson[] => [
  {
    uid: principalUid(principal),
    attrs: {
      sub: principal.sub,
      issuer: principal.issuer,
      groups: [...principal.groups],
      ...(principal.actsFor ? { actsFor: principal.actsFor } : {}),
    },
    parents: principal.groups.map((id) => ({ type: `${NS}::Group`, id })),
  },
  ...principal.groups.map((id) => ({ uid: { type: `${NS}::Group`, id }, attrs: {}, parents: [] })),
  // Action entities carry the schema's action groups, so `action in Tollgate::Action::"sql"` holds.
  ...SQL_ACTIONS.map((id) => ({
    uid: { type: `${NS}::Action`, id },
    attrs: {},
    parents: [{ type: `${NS}::Action`, id: 'sql' }],
  })),
  {
    uid: connectionUid(connection),
    attrs: {
      kind: connection.kind,
      environment: connection.environment,
      allowGroups: [...connection.allowGroups],
      tags: [...connection.tags],
    },
    parents: [],
  },
];

interface Fill {
  readonly connection: string;
  readonly action: string;
  readonly statement: string;
  /** The context's unreviewedFunctions, listed. */
  readonly functions: string;
}

/** Ends a sentence with a full stop. */
const sentence = (text: string) => `${text.replace(/\.$/, '')}.`;

const fill = (template: string, values: Fill): string =>
  template.replace(/\{(connection|action|statement|functions)\}/g, (_, key: keyof Fill) => values[key]);

/** A list of names for a sentence: `a`, `a and b`, `a, b and c`. */
const listed = (names: unknown): string => {
  const all = Array.isArray(names) ? names.map(String) : [];
  return all.length <= 1 ? (all[0] ?? 'a function') : `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
};

/**
 * Creates the engine for one compiled policy set. The set is pre-parsed once (Cedar keeps it by
 * id), so a decision costs an evaluation, not a parse.
 */
export const createCedarPolicyEngine = (set: CompiledPolicySet): PolicyEngine => {
  const setId = `tollgate:${set.version}`;
  const parsed = preparsePolicySet(setId, { staticPolicies: { ...set.policies } });
  if (parsed.type === 'failure') throw new PolicySetError(parsed.errors.map((e) => e.message));

  const base = { policyVersion: set.version, hint: undefined } as const;

  const interpret = (answer: AuthorizationAnswer, action: string, values: Fill): Decision => {
    if (answer.type === 'failure' || answer.response.diagnostics.errors.length > 0) {
      // Cedar skips a policy that errors: a skipped forbid must not let the request through.
      const failed =
        answer.type === 'failure' ? [] : answer.response.diagnostics.errors.map((e) => e.policyId);
      return {
        ...base,
        outcome: 'block',
        rule: 'policy-evaluation-error',
        reason: sentence('A policy could not be evaluated, so the request is blocked'),
        policyIds: failed,
      };
    }
    const ids = answer.response.diagnostics.reason;
    // In the pack's own order (Cedar's is unspecified): when several forbids apply, the answer
    // names the first the pack lists, so a pack puts its most specific rules first.
    const fired = new Set(ids);
    const determining = [...set.meta.values()].filter((m) => fired.has(m.id));
    if (answer.response.decision === 'deny') {
      const forbid = determining.find((m) => m.effect === 'forbid');
      if (!forbid) {
        return {
          ...base,
          outcome: 'deny',
          rule: 'default-deny',
          reason: sentence(`No policy permits ${action} on ${values.connection}`),
          hint: 'Ask an administrator for a policy that permits it.',
          policyIds: [],
        };
      }
      return {
        ...base,
        outcome: 'block',
        rule: forbid.id,
        reason: sentence(
          fill(forbid.reason ?? `Policy ${forbid.id} forbids ${action} on {connection}.`, values),
        ),
        hint: forbid.hint === undefined ? undefined : fill(forbid.hint, values),
        policyIds: determining.filter((m) => m.effect === 'forbid').map((m) => m.id),
      };
    }
    // Allowed: outright if any determining permit is unconditional, else after approval.
    const unconditional = determining.find((m) => m.approval === undefined);
    if (unconditional) {
      return {
        ...base,
        outcome: 'allow',
        rule: unconditional.id,
        reason: `Permitted by ${unconditional.id}.`,
        policyIds: ids,
      };
    }
    const gate = determining[0]!;
    return {
      ...base,
      outcome: 'approval_required',
      rule: gate.id,
      reason: sentence(
        `${values.statement} on ${values.connection} needs approval from ${gate.approval!.group}`,
      ),
      hint: `It runs once ${gate.approval!.quorum === 1 ? 'a member' : `${gate.approval!.quorum} members`} of ${gate.approval!.group} approve${gate.approval!.quorum === 1 ? 's' : ''}; poll the statusUrl (GET /v1/requests/{requestId}?waitSeconds=25) for the outcome.`,
      policyIds: ids,
      approval: gate.approval!,
    };
  };

  return {
    version: set.version,
    unmaskable(principal, connection, classes) {
      const entities = entitiesFor(principal, connection);
      const allowed = new Set<string>();
      for (const dataClass of new Set(classes)) {
        const answer = statefulIsAuthorized({
          principal: principalUid(principal),
          action: { type: `${NS}::Action`, id: 'data:unmask' },
          resource: connectionUid(connection),
          context: { dataClass },
          preparsedPolicySetId: setId,
          entities,
        });
        // Only a clean allow unmasks: errors or a deny keep the class masked.
        if (
          answer.type === 'success' &&
          answer.response.decision === 'allow' &&
          answer.response.diagnostics.errors.length === 0
        ) {
          allowed.add(dataClass);
        }
      }
      return allowed;
    },
    decide({ principal, action, resource, context, label }: AuthorizationQuestion): Decision {
      const answer = statefulIsAuthorized({
        principal: principalUid(principal),
        action: { type: `${NS}::Action`, id: action },
        resource: connectionUid(resource),
        context: context as Record<string, never>,
        preparsedPolicySetId: setId,
        entities: entitiesFor(principal, resource),
      });
      return interpret(answer, action, {
        connection: resource.name,
        action,
        statement: label,
        functions: listed((context as { unreviewedFunctions?: unknown }).unreviewedFunctions),
      });
    },
  };
};
