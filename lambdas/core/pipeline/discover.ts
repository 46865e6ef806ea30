// Discovery: which connections a principal may use, and what each holds (for SQL: tables,
// columns, data classes, and whether this principal sees them masked). Recorded like any request.
import type { Connection } from '../config/connection.js';
import type { Decision } from '../decision/decision.js';
import { NotFoundError, TollgateError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import type { PolicyEngine } from '../ports.js';
import type { JsonValue } from '../recording/canonical-json.js';
import { currentEngine, listedConnections, mayUse, openTrail, type PipelineDeps } from './admit.js';
import { decisionRecord } from './request-trail.js';

export interface DiscoverInput {
  readonly requestId: string;
  readonly token: string | undefined;
  readonly sessionId: string | undefined;
}

/** A connection as callers may see it: never its target or credentials. */
export interface ConnectionSummary {
  readonly name: string;
  readonly kind: Connection['kind'];
  readonly environment: string;
  readonly description: string | null;
  readonly tags: readonly string[];
  /** Where to send requests. */
  readonly url: string;
}

const summary = (c: Connection): ConnectionSummary => ({
  name: c.name,
  kind: c.kind,
  environment: c.environment,
  description: c.description ?? null,
  tags: [...c.tags],
  url: `/v1/connections/${c.name}/sql`,
});

/** Cedar's answer to "may this principal see that the connection exists, and what it holds?" */
const describeDecision = (engine: PolicyEngine, principal: Principal, connection: Connection): Decision =>
  engine.decide({ principal, action: DESCRIBE, resource: connection, context: {}, label: 'describe' });

const DESCRIBE = 'connection:describe';

/** `GET /v1/connections`: the connections this principal may use. */
export const listConnections = async (
  deps: PipelineDeps,
  input: DiscoverInput,
): Promise<{ sessionId: string; requestId: string; connections: ConnectionSummary[] }> => {
  const { principal, trail } = await openTrail(deps, input);
  trail.received({ kind: 'discovery', connection: null });
  return trail.guard(async () => {
    const engine = await currentEngine(deps);
    // Members of a connection's groups whom the policies let describe it (connection:describe).
    const connections = (await listedConnections(deps))
      .filter((c) => mayUse(principal, c) && describeDecision(engine, principal, c).outcome === 'allow')
      .map(summary);
    await trail.record({
      type: 'request.completed',
      data: { connections: connections.map((c) => c.name), policyVersion: engine.version },
    });
    return { requestId: input.requestId, sessionId: trail.sessionId, connections };
  });
};

/** `GET /v1/connections/{name}`: one connection and what it holds. Unknown and not-yours look alike: 404. */
export const describeConnectionFor = async (
  deps: PipelineDeps,
  input: DiscoverInput & { readonly connectionName: string },
): Promise<{
  sessionId: string;
  requestId: string;
  connection: ConnectionSummary & { [k: string]: JsonValue };
}> => {
  const { principal, trail } = await openTrail(deps, input);
  trail.received({ kind: 'discovery', connection: input.connectionName });
  return trail.guard(async () => {
    const connection = (await listedConnections(deps)).find((c) => c.name === input.connectionName);
    if (!connection || !mayUse(principal, connection)) {
      throw new NotFoundError('connection_not_found', `No connection named ${input.connectionName}.`);
    }
    const unit = await deps.units.unitFor(connection.kind);
    if (!unit)
      throw new TollgateError(
        'internal_error',
        `Connections of kind ${connection.kind} are not served here.`,
      );
    const engine = await currentEngine(deps);
    const decision = describeDecision(engine, principal, connection);
    // Durable before the target is asked anything: the request, and the policy's decision. A
    // refusal looks like an unknown connection, as on the SQL route.
    await trail.record({ type: 'request.decided', data: { ...decisionRecord(decision), action: DESCRIBE } });
    if (decision.outcome !== 'allow') {
      throw trail.settled(
        new NotFoundError('connection_not_found', `No connection named ${input.connectionName}.`),
      );
    }
    const described = await unit.describe({ principal, connection, engine });
    await trail.record({
      type: 'request.completed',
      data: {
        connection: connection.name,
        relations: Array.isArray(described.relations) ? described.relations.length : 0,
      },
    });
    return {
      requestId: input.requestId,
      sessionId: trail.sessionId,
      connection: { ...summary(connection), ...described } as ConnectionSummary & { [k: string]: JsonValue },
    };
  });
};
