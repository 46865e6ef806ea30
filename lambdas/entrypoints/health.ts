// Lambda entry: GET /healthz and GET /openapi.json.
import { awsFallbackHandler, awsHealthHandler, awsOpenApiHandler } from '../wiring/aws-light.js';
import { byRouteKey } from '../wiring/dispatch.js';

export const handler = byRouteKey(
  { 'GET /healthz': awsHealthHandler(), 'GET /openapi.json': awsOpenApiHandler() },
  awsFallbackHandler(),
);
