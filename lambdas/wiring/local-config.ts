// The local configuration file (tollgate.yaml): connections and, optionally, an external OIDC
// issuer instead of the built-in development issuer. docs/configuration.md documents it.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { connectionsSchema } from '../core/config/connection.js';

export const localConfigSchema = z
  .object({
    identity: z
      .object({
        issuer: z.string().url(),
        audience: z.string().min(1),
        jwksUri: z.string().url().startsWith('https://', 'must be https'),
        groupsClaim: z.string().min(1).default('groups'),
      })
      .strict()
      .optional(),
    maxBodyBytes: z.number().int().min(1024).max(6_000_000).default(262_144),
    /** Where approval events go besides the log: a Slack-compatible incoming webhook. */
    notifications: z
      .object({ webhookUrl: z.string().url().optional(), gatewayUrl: z.string().url().optional() })
      .strict()
      .optional(),
    connections: connectionsSchema,
  })
  .strict();

export type LocalConfig = z.infer<typeof localConfigSchema>;

export const loadLocalConfig = (file: string): LocalConfig => {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = localConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${file} is invalid:\n${problems.join('\n')}`);
  }
  return parsed.data;
};
