// The foundation's policy: members of a connection's groups may run plain reads, nothing else.
// It sits behind the PolicyEngine port so the Cedar engine can replace it without other changes.
import type { PolicyEngine } from '../ports.js';
import { DANGER_CATEGORIES } from '../sql/dangerous-functions.js';
import type { Decision, DecisionInput } from './decision.js';

const POLICY_ID = 'tollgate.builtin.read-only';
const POLICY_VERSION = 'builtin-1';

const block = (rule: string, reason: string, hint?: string): Decision => ({
  outcome: 'block',
  rule,
  reason,
  hint,
  policyIds: [POLICY_ID],
  policyVersion: POLICY_VERSION,
});

/** Judges the request by its most dangerous statement; the first refusal found is the answer. */
export const readOnlyPolicy: PolicyEngine = {
  version: POLICY_VERSION,
  decide({ principal, connection, facts }: DecisionInput): Decision {
    if (!principal.groups.some((g) => connection.allowGroups.includes(g))) {
      return block(
        'connection.group-required',
        `Connection ${connection.name} is open to members of ${connection.allowGroups.join(', ')} only.`,
        'Ask an administrator to add you to one of these groups.',
      );
    }
    for (const [index, statement] of facts.statements.entries()) {
      const where = facts.statements.length > 1 ? ` (statement ${index + 1})` : '';
      if (statement.nestedWrites.length > 0 && statement.kind === 'select') {
        return block(
          'read-only.write-in-cte',
          `A ${statement.nestedWrites[0]!.toUpperCase()} inside a WITH clause writes data${where}; only reads are allowed.`,
          'Run plain SELECT statements.',
        );
      }
      if (!statement.readOnly) {
        return block(
          'read-only.not-a-read',
          `${statement.kind.toUpperCase()} statements are not allowed on ${connection.name}${where}; only reads run.`,
          'Run plain SELECT statements.',
        );
      }
      if (statement.locking) {
        return block(
          'read-only.row-locks',
          `SELECT ... FOR UPDATE/SHARE takes row locks${where}; only plain reads are allowed.`,
          'Remove the locking clause.',
        );
      }
      const call = statement.dangerousCalls[0];
      if (call) {
        return block(
          'read-only.dangerous-function',
          `${call.name}() ${DANGER_CATEGORIES[call.category]}${where}; it is not allowed through the gateway.`,
          undefined,
        );
      }
      for (const fn of statement.functions) {
        const parts = fn.split('.');
        if (parts.length > 2) {
          return block(
            'read-only.qualified-function',
            `${fn}() names a database; call functions by name or schema.name only${where}.`,
            `Call ${parts.slice(-2).join('.')}() instead.`,
          );
        }
      }
    }
    return {
      outcome: 'allow',
      rule: 'read-only.plain-read',
      reason: 'Every statement is a plain read.',
      hint: undefined,
      policyIds: [POLICY_ID],
      policyVersion: POLICY_VERSION,
    };
  },
};
