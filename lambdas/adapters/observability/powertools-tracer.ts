// X-Ray tracing with Powertools for AWS Lambda Tracer, on only inside Lambda. A separate import:
// aws-xray-sdk-core is most of a traced bundle, so only functions that trace pay for it.
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { TracerOptions as PowertoolsTracerOptions } from '@aws-lambda-powertools/tracer/types';

type ConfigService = NonNullable<PowertoolsTracerOptions['customConfigService']>;
type Env = Readonly<Record<string, string | undefined>>;

export interface TracerOptions {
  /**
   * The `Service` annotation of every trace.
   * @default - 'tollgate'
   */
  readonly serviceName?: string;
  /**
   * The environment that tells whether this process is a Lambda function.
   * @default - process.env
   */
  readonly env?: Env;
}

/** Set by the Lambda runtime only. AWS_EXECUTION_ENV alone is also set by CloudShell, CodeBuild, ECS. */
export const runningInLambda = (env: Env): boolean =>
  Boolean(env.AWS_LAMBDA_FUNCTION_NAME && env.AWS_LAMBDA_INITIALIZATION_TYPE);

/**
 * Keeps handler responses and error details out of traces whatever POWERTOOLS_TRACER_CAPTURE_*
 * say: responses hold (masked) result rows, and an error's message can quote a target's data.
 * Errors still mark the segment; their details are in the logs, next to the trace id.
 */
const withoutPayloads: ConfigService = {
  get: () => '',
  getServiceName: () => '',
  getXrayTraceId: () => undefined,
  getXrayTraceSampled: () => false,
  isDevMode: () => false,
  isValueTrue: (value: string) => value.toLowerCase() === 'true',
  getAwsExecutionEnv: () => '',
  getCaptureHTTPsRequests: () => '',
  getSamLocal: () => '',
  getTracingEnabled: () => '',
  getTracingCaptureResponse: () => 'false',
  getTracingCaptureError: () => 'false',
};

export const createTracer = (options: TracerOptions = {}): Tracer =>
  new Tracer({
    serviceName: options.serviceName ?? 'tollgate',
    // Powertools turns itself on wherever AWS_EXECUTION_ENV is set; outside Lambda there is no
    // segment and no daemon, and every traced call would print a context-missing error.
    ...(runningInLambda(options.env ?? process.env) ? {} : { enabled: false }),
    // Outgoing HTTP(S) and fetch (JWKS, HTTP targets) would record URLs, which can carry request
    // data. AWS SDK calls are traced per client (traceAwsClient).
    captureHTTPsRequests: false,
    customConfigService: withoutPayloads,
  });

let shared: Tracer | undefined;

/** The process's tracer, created on first use (Powertools expects one per process). */
export const sharedTracer = (): Tracer => {
  shared ??= createTracer();
  return shared;
};

/** The same client, with each call a subsegment of the invocation's trace (unchanged outside Lambda). */
export const traceAwsClient = <Client>(client: Client, tracer: Tracer = sharedTracer()): Client =>
  tracer.captureAWSv3Client(client);
