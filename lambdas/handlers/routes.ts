// The HTTP API's routes, shared by the local server's router and the fallback handler. The CDK
// HTTP API declares the same routes (lib/constructs/http-api.ts).

export type RouteName =
  | 'sql'
  | 'connections'
  | 'connection'
  | 'request'
  | 'approvals'
  | 'approval'
  | 'approve'
  | 'deny'
  | 'sessions'
  | 'session'
  | 'exports'
  | 'export'
  | 'health'
  | 'openapi';

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
  {
    name: 'connections',
    method: 'GET',
    routeKey: 'GET /v1/connections',
    pattern: /^\/v1\/connections$/,
    params: [],
  },
  {
    name: 'connection',
    method: 'GET',
    routeKey: 'GET /v1/connections/{name}',
    pattern: /^\/v1\/connections\/([^/]+)$/,
    params: ['name'],
  },
  {
    name: 'request',
    method: 'GET',
    routeKey: 'GET /v1/requests/{requestId}',
    pattern: /^\/v1\/requests\/([^/]+)$/,
    params: ['requestId'],
  },
  {
    name: 'approvals',
    method: 'GET',
    routeKey: 'GET /v1/approvals',
    pattern: /^\/v1\/approvals$/,
    params: [],
  },
  {
    name: 'approval',
    method: 'GET',
    routeKey: 'GET /v1/approvals/{approvalId}',
    pattern: /^\/v1\/approvals\/([^/]+)$/,
    params: ['approvalId'],
  },
  {
    name: 'approve',
    method: 'POST',
    routeKey: 'POST /v1/approvals/{approvalId}/approve',
    pattern: /^\/v1\/approvals\/([^/]+)\/approve$/,
    params: ['approvalId'],
  },
  {
    name: 'deny',
    method: 'POST',
    routeKey: 'POST /v1/approvals/{approvalId}/deny',
    pattern: /^\/v1\/approvals\/([^/]+)\/deny$/,
    params: ['approvalId'],
  },
  {
    name: 'sessions',
    method: 'GET',
    routeKey: 'GET /v1/sessions',
    pattern: /^\/v1\/sessions$/,
    params: [],
  },
  {
    name: 'session',
    method: 'GET',
    routeKey: 'GET /v1/sessions/{sessionId}',
    pattern: /^\/v1\/sessions\/([^/]+)$/,
    params: ['sessionId'],
  },
  {
    name: 'exports',
    method: 'POST',
    routeKey: 'POST /v1/evidence/exports',
    pattern: /^\/v1\/evidence\/exports$/,
    params: [],
  },
  {
    name: 'export',
    method: 'GET',
    routeKey: 'GET /v1/evidence/exports/{exportId}',
    pattern: /^\/v1\/evidence\/exports\/([^/]+)$/,
    params: ['exportId'],
  },
  { name: 'health', method: 'GET', routeKey: 'GET /healthz', pattern: /^\/healthz$/, params: [] },
  { name: 'openapi', method: 'GET', routeKey: 'GET /openapi.json', pattern: /^\/openapi\.json$/, params: [] },
];

export type RouteMatch =
  | { kind: 'route'; route: Route; pathParameters: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: readonly string[] };

/** The route for a method and path, `method_not_allowed` if only the path matches, else undefined. */
export const matchRoute = (method: string, path: string): RouteMatch | undefined => {
  const allow: string[] = [];
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    allow.push(route.method);
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
  return allow.length > 0 ? { kind: 'method_not_allowed', allow } : undefined;
};
