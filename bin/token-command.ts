// `tollgate token`: prints a token signed by the local development issuer of the data dir. It
// never creates the issuer: a key the running gateway does not have would make every request 401,
// so without the gateway's key it says where it looked and what to do.
import { join } from 'node:path';
import { DevIssuerMissingError, loadDevIssuer } from '../lambdas/adapters/local/dev-issuer.js';
import { type CliContext, localDataDir, UsageError } from './cli-kit.js';

export interface TokenOptions {
  readonly sub: string;
  /** Comma-separated. */
  readonly groups: string;
  /** Seconds. */
  readonly ttl: number;
  readonly aud: string;
  readonly act?: string;
}

export const runToken = (options: TokenOptions, ctx: CliContext): number => {
  const dataDir = localDataDir(ctx.env, ctx.cwd);
  let issuer: ReturnType<typeof loadDevIssuer>;
  try {
    issuer = loadDevIssuer(join(dataDir, 'issuer'), { create: false });
  } catch (error) {
    if (!(error instanceof DevIssuerMissingError)) throw error;
    throw new UsageError(
      `no development issuer in the data dir ${dataDir} (${error.keyFile} is missing); only \`tollgate start\` ` +
        'creates it: run this from the folder where `npm start` runs, or set TOLLGATE_DATA_DIR to the data dir ' +
        'the gateway prints when it starts',
    );
  }
  const groups = options.groups
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const signed = issuer.signToken({
    sub: options.sub,
    groups,
    ttlSeconds: options.ttl,
    audience: options.aud,
    ...(options.act ? { actor: options.act } : {}),
  });
  ctx.io.stdout(`${signed}\n`);
  return 0;
};
