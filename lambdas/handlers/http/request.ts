// Reading what a handler needs from an API Gateway v2 event, with the gateway's input limits.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BadRequestError, PayloadTooLargeError } from '../../core/errors.js';

export const header = (event: APIGatewayProxyEventV2, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
};

/** The token from `Authorization: Bearer <token>`, or undefined. */
export const bearerToken = (event: APIGatewayProxyEventV2): string | undefined => {
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header(event, 'authorization') ?? '');
  return match?.[1];
};

/** The body as text, refused when larger than `maxBytes` or not declared as JSON. */
export const jsonBody = (event: APIGatewayProxyEventV2, maxBytes: number): string => {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
  const contentType = header(event, 'content-type');
  if (contentType !== undefined && !/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    throw new BadRequestError('Content-Type must be application/json.', 'unsupported_media_type');
  }
  return bytes.toString('utf8');
};

export const requestIdOf = (event: APIGatewayProxyEventV2): string =>
  event.requestContext?.requestId ?? 'unknown';
