// How PostgreSQL values become JSON: names for common type OIDs, and parsers that keep
// date/time values as the server's text (lossless; no time-zone shifts through JS Date).
import pg from 'pg';

const TYPE_NAMES: Readonly<Record<number, string>> = {
  16: 'bool',
  17: 'bytea',
  18: 'char',
  19: 'name',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  26: 'oid',
  114: 'json',
  142: 'xml',
  650: 'cidr',
  700: 'float4',
  701: 'float8',
  790: 'money',
  829: 'macaddr',
  869: 'inet',
  1000: 'bool[]',
  1005: 'int2[]',
  1007: 'int4[]',
  1009: 'text[]',
  1016: 'int8[]',
  1015: 'varchar[]',
  1042: 'bpchar',
  1043: 'varchar',
  1082: 'date',
  1083: 'time',
  1114: 'timestamp',
  1184: 'timestamptz',
  1186: 'interval',
  1266: 'timetz',
  1700: 'numeric',
  2950: 'uuid',
  3802: 'jsonb',
};

export const typeName = (oid: number): string => TYPE_NAMES[oid] ?? `oid:${oid}`;

const AS_TEXT = new Set([1082, 1083, 1114, 1184, 1186, 1266]);
const identity = (value: string) => value;

/** pg type parsers for the gateway: date/time types stay text, everything else is pg's default. */
export const gatewayTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    AS_TEXT.has(oid)
      ? identity
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** Makes a parsed value JSON-safe: bytea becomes PostgreSQL's `\x` hex text. */
export const jsonSafe = (value: unknown): unknown =>
  Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : value;
