// Lambda entry: POST /v1/connections/{name}/sql and discovery (GET /v1/connections[/{name}]),
// which describes tables through the same executors and masking rules. Built once per cold start.
import { awsFallbackHandler } from '../wiring/aws-light.js';
import { awsSqlRoutes } from '../wiring/aws-sql.js';
import { byRouteKey } from '../wiring/dispatch.js';

const routes = await awsSqlRoutes(process.env);

export const handler = byRouteKey(
  {
    'POST /v1/connections/{name}/sql': routes.sql,
    'GET /v1/connections': routes.connections,
    'GET /v1/connections/{name}': routes.connections,
  },
  awsFallbackHandler(),
);
