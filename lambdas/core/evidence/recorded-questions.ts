// The authorization questions a decision was taken on, as `request.decided` keeps them: what the
// policy engine reads of the principal and of the connection (their Cedar attributes) and each
// part's action, label and context, so that another policy set can be asked exactly the same
// questions later (`tollgate policy replay`), without parsing the recorded (masked) SQL again.
//
// The context holds facts, not values: kinds, flags, counts, the names of tables and functions
// as written, danger categories, data classes. No literal and no parameter of the SQL is in it.
// Compact: what every part shares is written once (`shared`), each part keeps only what differs,
// so a thousand similar INSERTs cost a few dozen bytes each.
import { z } from 'zod';
import { type Connection, connectionSchema } from '../config/connection.js';
import type { AuthorizationQuestion, ContextValue } from '../decision/decision.js';
import type { Principal } from '../identity/principal.js';
import { canonicalJson, type JsonValue } from '../recording/canonical-json.js';

type JsonObject = { [k: string]: JsonValue };

const principalRecord = (p: Principal): JsonObject => ({
  sub: p.sub,
  issuer: p.issuer,
  groups: [...p.groups],
  actsFor: p.actsFor ?? null,
});

/** What the Cedar entity of a connection holds; never where it lives or how to reach it. */
const resourceRecord = (c: Connection): JsonObject => ({
  name: c.name,
  kind: c.kind,
  environment: c.environment,
  allowGroups: [...c.allowGroups],
  tags: [...c.tags],
});

const jsonOf = (value: ContextValue): JsonValue => {
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return (value as readonly ContextValue[]).map(jsonOf);
  const object: JsonObject = {};
  for (const [key, field] of Object.entries(value as { readonly [k: string]: ContextValue }))
    if (field !== undefined) object[key] = jsonOf(field);
  return object;
};

/** The fields present in every object with the same value in each. */
const sharedFields = (objects: readonly JsonObject[]): JsonObject => {
  const [first, ...rest] = objects;
  if (!first) return {};
  const shared: JsonObject = {};
  for (const [key, value] of Object.entries(first)) {
    const text = canonicalJson(value);
    if (rest.every((o) => key in o && canonicalJson(o[key]) === text)) shared[key] = value;
  }
  return shared;
};

const without = (object: JsonObject, shared: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(object).filter(([key]) => !(key in shared)));

/**
 * What `request.decided` keeps of the questions the engine was asked: the principal and the
 * connection once, the fields every part shares once, and each part's own.
 */
export const questionsRecord = (
  principal: Principal,
  connection: Connection,
  questions: readonly AuthorizationQuestion[],
): JsonValue => {
  const resource = resourceRecord(connection);
  const resourceText = canonicalJson(resource);
  const contexts = questions.map((q) => jsonOf(q.context) as JsonObject);
  const sharedContext = sharedFields(contexts);
  const one = <K extends 'action' | 'label'>(key: K) =>
    questions.length > 0 && questions.every((q) => q[key] === questions[0]![key])
      ? questions[0]![key]
      : undefined;
  const action = one('action');
  const label = one('label');
  const shared: JsonObject = {
    ...(action === undefined ? {} : { action }),
    ...(label === undefined ? {} : { label }),
    context: sharedContext,
  };
  const asked = questions.map((q, i): JsonObject => {
    const own = without(contexts[i]!, sharedContext);
    const theirs = resourceRecord(q.resource);
    return {
      ...(action === undefined ? { action: q.action } : {}),
      ...(label === undefined ? { label: q.label } : {}),
      ...(canonicalJson(theirs) === resourceText ? {} : { resource: theirs }),
      ...(Object.keys(own).length > 0 ? { context: own } : {}),
    };
  });
  return { principal: principalRecord(principal), resource, shared, asked };
};

// --- reading a record back ---------------------------------------------------------------------

const contextValueSchema: z.ZodType<ContextValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.array(contextValueSchema),
    z.record(z.string(), contextValueSchema),
  ]),
);
const contextSchema = z.record(z.string(), contextValueSchema);

const resourceSchema = z
  .object({
    name: z.string(),
    kind: z.string(),
    environment: z.string(),
    allowGroups: z.array(z.string()),
    tags: z.array(z.string()),
  })
  .strict();

// Strict throughout: a field this reader does not know could be one the engine read, and a replay
// that ignored it would not be exact. Such a record is reported unreadable instead.
const recordSchema = z
  .object({
    principal: z
      .object({
        sub: z.string(),
        issuer: z.string(),
        groups: z.array(z.string()),
        actsFor: z.string().nullable(),
      })
      .strict(),
    resource: resourceSchema,
    shared: z
      .object({ action: z.string().optional(), label: z.string().optional(), context: contextSchema })
      .strict(),
    asked: z.array(
      z
        .object({
          action: z.string().optional(),
          label: z.string().optional(),
          resource: resourceSchema.optional(),
          context: contextSchema.optional(),
        })
        .strict(),
    ),
  })
  .strict();

/**
 * Where a replayed connection "lives": nowhere. The engine reads only the attributes recorded
 * (name, kind, environment, allowGroups, tags); the rest of a connection decides nothing.
 */
const NO_TARGET = { urlEnv: 'TOLLGATE_REPLAY_HAS_NO_TARGET' } as const;

const connectionOf = (resource: z.infer<typeof resourceSchema>): Connection | undefined => {
  const parsed = connectionSchema.safeParse({ ...resource, target: NO_TARGET });
  return parsed.success ? parsed.data : undefined;
};

/** Why a recorded decision cannot be asked again. */
export type UnreadableQuestions = { readonly unreadable: string };

/**
 * The questions a recorded `questions` value stands for, as the engine was asked them, or why
 * they cannot be read back (a record damaged, or written by a version that kept other fields).
 */
export const questionsFromRecord = (value: JsonValue): AuthorizationQuestion[] | UnreadableQuestions => {
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { unreadable: `${issue?.path.join('.') || 'questions'}: ${issue?.message ?? 'invalid'}` };
  }
  const record = parsed.data;
  const principal: Principal = {
    sub: record.principal.sub,
    issuer: record.principal.issuer,
    groups: record.principal.groups,
    tokenId: undefined,
    actsFor: record.principal.actsFor ?? undefined,
  };
  const resource = connectionOf(record.resource);
  if (!resource) return { unreadable: 'resource: not a connection this version knows' };
  const questions: AuthorizationQuestion[] = [];
  for (const [i, part] of record.asked.entries()) {
    const action = part.action ?? record.shared.action;
    const label = part.label ?? record.shared.label;
    const own = part.resource ? connectionOf(part.resource) : resource;
    if (action === undefined || label === undefined || !own)
      return { unreadable: `asked.${i}: incomplete question` };
    questions.push({
      principal,
      action,
      resource: own,
      context: { ...record.shared.context, ...part.context },
      label,
    });
  }
  return questions;
};

/** Type guard for the failure answer of questionsFromRecord. */
export const isUnreadable = (
  answer: AuthorizationQuestion[] | UnreadableQuestions,
): answer is UnreadableQuestions => !Array.isArray(answer);
