// JSON responses with the headers every Tollgate answer carries.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export const jsonResponse = (
  statusCode: number,
  body: unknown,
  headers?: Record<string, string>,
): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  },
  body: JSON.stringify(body),
});
