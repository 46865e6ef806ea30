// Composition roots of the light functions on AWS Lambda: health (with the OpenAPI document),
// the $default fallback, and the archiver. Each builds only what its function uses: health and
// fallback load no AWS SDK, no parser and no policy engine.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createFallbackHandler } from '../handlers/fallback-handler.js';
import { createHealthHandler } from '../handlers/health-handler.js';
import { createOpenApiHandler } from '../handlers/openapi-handler.js';
import { lambdaObservability } from './aws-observability.js';
import { VERSION } from './runtime.js';

const { logger, middlewares } = lambdaObservability(process.env);

export const awsHealthHandler = () => createHealthHandler({ logger, version: VERSION }).use(middlewares);

/** `/openapi.json`: openapi.yaml, which the stack ships beside the bundle, parsed once per cold start. */
export const awsOpenApiHandler = () =>
  createOpenApiHandler({
    logger,
    document: parse(readFileSync(fileURLToPath(new URL('./openapi.yaml', import.meta.url)), 'utf8')),
  }).use(middlewares);

export const awsFallbackHandler = () => createFallbackHandler({ logger }).use(middlewares);
