// One function serving several routes: picks the handler by the event's route key (API Gateway
// sets it; the local server sets the same keys).
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export const byRouteKey =
  (routes: Readonly<Record<string, Handler>>, fallback: Handler): Handler =>
  (event, context) =>
    (routes[event.routeKey] ?? fallback)(event, context);
