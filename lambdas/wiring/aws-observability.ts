// Logs, metrics and traces of a Lambda function, built once per cold start: Powertools for AWS
// Lambda behind the Logger and Metrics ports (JSON lines with the request id, EMF metrics).
import { createEmfMetrics } from '../adapters/observability/emf-metrics.js';
import { observabilityMiddlewares } from '../adapters/observability/observability-middlewares.js';
import { createPowertoolsLogger, type LogLevel } from '../adapters/observability/powertools-logger.js';
import { choiceSetting, type Env } from './env.js';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** The logger, the metrics and the middlewares every handler of the function uses. */
export const lambdaObservability = (env: Env) => {
  const logger = createPowertoolsLogger({ level: choiceSetting(env, 'TOLLGATE_LOG_LEVEL', LEVELS, 'info') });
  const metrics = createEmfMetrics({ logger });
  return { logger, metrics, middlewares: observabilityMiddlewares({ logger, metrics }) };
};
