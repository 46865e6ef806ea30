// Counts the DynamoDB calls dynalite serves while some work runs, by operation and outcome, and
// the time dynalite spends on them, via Node's HTTP server diagnostics channels (no change to the
// gateway).
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

interface ServerMessage {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly server: Server;
}

/** What dynalite served while the work ran. */
export interface DynamoOps {
  /** Calls by operation (`PutItem`, `Query`, ...); refused ones as `<operation> (refused)`. */
  readonly counts: Record<string, number>;
  /** Time from request start to response end inside dynalite, summed over every call. */
  readonly serverMs: number;
}

const START = 'http.server.request.start';
const FINISH = 'http.server.response.finish';

/** Runs `work` and returns the calls made to the server listening on `endpoint`. */
export const countDynamoOps = async (endpoint: string, work: () => Promise<void>): Promise<DynamoOps> => {
  const port = Number(new URL(endpoint).port);
  const counts: Record<string, number> = {};
  const started = new WeakMap<IncomingMessage, number>();
  let serverMs = 0;
  const isDynalite = (server: Server) => (server.address() as AddressInfo | null)?.port === port;
  const onStart = (message: unknown) => {
    const { request, server } = message as ServerMessage;
    if (isDynalite(server)) started.set(request, performance.now());
  };
  const onFinish = (message: unknown) => {
    const { request, response, server } = message as ServerMessage;
    if (!isDynalite(server)) return;
    const start = started.get(request);
    if (start !== undefined) serverMs += performance.now() - start;
    const target = String(request.headers['x-amz-target'] ?? 'unknown');
    const operation = target.slice(target.indexOf('.') + 1);
    const key = response.statusCode >= 400 ? `${operation} (refused)` : operation;
    counts[key] = (counts[key] ?? 0) + 1;
  };
  diagnostics.subscribe(START, onStart);
  diagnostics.subscribe(FINISH, onFinish);
  try {
    await work();
  } finally {
    diagnostics.unsubscribe(START, onStart);
    diagnostics.unsubscribe(FINISH, onFinish);
  }
  return { counts, serverMs };
};

/** Divides every count by `requests`, keys sorted. */
export const perRequest = (counts: Record<string, number>, requests: number): Record<string, number> =>
  Object.fromEntries(
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => [key, Math.round((count / requests) * 100) / 100]),
  );
