// Lambda entry: POST /v1/connections/{name}/sql, discovery (GET /v1/connections[/{name}]), which
// describes tables through the same executors and masking rules, and the approval routes (reviewers'
// decisions, a held request's status), the recordings (GET /v1/sessions…) and evidence exports.
// Built once per cold start.
import { awsFallbackHandler } from '../wiring/aws-light.js';
import { awsSqlRoutes } from '../wiring/aws-sql.js';
import { byRouteKey } from '../wiring/dispatch.js';

const routes = await awsSqlRoutes(process.env);

export const handler = byRouteKey(
  {
    'POST /v1/connections/{name}/sql': routes.sql,
    'GET /v1/connections': routes.connections,
    'GET /v1/connections/{name}': routes.connections,
    'GET /v1/requests/{requestId}': routes.approvals,
    'GET /v1/approvals': routes.approvals,
    'GET /v1/approvals/{approvalId}': routes.approvals,
    'POST /v1/approvals/{approvalId}/approve': routes.approvals,
    'POST /v1/approvals/{approvalId}/deny': routes.approvals,
    'GET /v1/sessions': routes.sessions,
    'GET /v1/sessions/{sessionId}': routes.sessions,
    ...(routes.evidence
      ? {
          'POST /v1/evidence/exports': routes.evidence,
          'GET /v1/evidence/exports/{exportId}': routes.evidence,
        }
      : {}),
  },
  awsFallbackHandler(),
);
