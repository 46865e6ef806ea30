// API Gateway v2 (HTTP API) events as Lambda receives them, for handler tests.
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export const httpEvent = (options: {
  method?: string;
  path?: string;
  routeKey?: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  pathParameters?: Record<string, string>;
}): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: options.routeKey ?? '$default',
  rawPath: options.path ?? '/',
  rawQueryString: '',
  headers: options.headers ?? {},
  ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
  ...(options.body === undefined ? {} : { body: options.body }),
  isBase64Encoded: options.isBase64Encoded ?? false,
  requestContext: {
    accountId: '123456789012',
    apiId: 'api',
    domainName: 'api.example.com',
    domainPrefix: 'api',
    requestId: 'apigw-request-1',
    routeKey: options.routeKey ?? '$default',
    stage: '$default',
    time: '26/Nov/2026:10:00:00 +0000',
    timeEpoch: 0,
    http: {
      method: options.method ?? 'GET',
      path: options.path ?? '/',
      protocol: 'HTTP/1.1',
      sourceIp: '203.0.113.1',
      userAgent: 'test',
    },
  },
});

export const lambdaContext = {
  awsRequestId: 'lambda-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
