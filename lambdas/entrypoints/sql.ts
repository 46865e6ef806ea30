// Lambda entry: POST /v1/connections/{name}/sql, discovery (GET /v1/connections[/{name}]), which
// describes tables through the same executors and masking rules, and the approval routes (reviewers'
// decisions, a held request's status). Built once per cold start.
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
  },
  awsFallbackHandler(),
);
