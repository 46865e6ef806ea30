// The HTTP API's routes, shared by the local server's router and the fallback handler. The CDK
// HTTP API declares the same routes (lib/constructs/http-api.ts).

export type RouteName = 'sql' | 'health';

interface Route {
  readonly name: RouteName;
  readonly method: string;
  /** API Gateway route key, e.g. `POST /v1/connections/{name}/sql`. */
  readonly routeKey: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

export const ROUTES: readonly Route[] = [
  {
    name: 'sql',
    method: 'POST',
    routeKey: 'POST /v1/connections/{name}/sql',
    pattern: /^\/v1\/connections\/([^/]+)\/sql$/,
    params: ['name'],
  },
  { name: 'health', method: 'GET', routeKey: 'GET /healthz', pattern: /^\/healthz$/, params: [] },
];

export type RouteMatch =
  | { kind: 'route'; route: Route; pathParameters: Record<string, string> }
  | { kind: 'method_not_allowed' };

/** The route for a method and path, `method_not_allowed` if only the path matches, else undefined. */
export const matchRoute = (method: string, path: string): RouteMatch | undefined => {
  let pathMatched = false;
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method.toUpperCase()) continue;
    const pathParameters: Record<string, string> = {};
    for (const [i, name] of route.params.entries()) {
      try {
        pathParameters[name] = decodeURIComponent(match[i + 1]!);
      } catch {
        return undefined; // malformed percent-encoding: no such route
      }
    }
    return { kind: 'route', route, pathParameters };
  }
  return pathMatched ? { kind: 'method_not_allowed' } : undefined;
};
