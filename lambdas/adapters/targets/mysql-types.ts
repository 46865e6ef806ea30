// How MySQL / MariaDB values become JSON: readable, lower-case type names from mysql2's column
// metadata, and JSON-safe values. The pool's own options (mysql-executor.ts) already keep dates,
// times, BIGINT and DECIMAL as the server's text, so nothing shifts through JS Date or loses digits.
import type { FieldPacket } from 'mysql2';

type Column = Pick<
  FieldPacket,
  'columnType' | 'characterSet' | 'flags' | 'extendedTypeName' | 'extendedFormat'
>;

/** The `binary` character set: BLOB, BINARY and VARBINARY rather than TEXT, CHAR and VARCHAR. */
const BINARY_CHARSET = 63;
const UNSIGNED_FLAG = 32;
const ENUM_FLAG = 256;
const SET_FLAG = 2048;

const FLOAT = 0x04;

/** Wire types (include/mysql_com.h, mysql2's constants/types.js) to SQL names. */
const TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'decimal',
  1: 'tinyint',
  2: 'smallint',
  3: 'int',
  4: 'float',
  5: 'double',
  6: 'null',
  7: 'timestamp',
  8: 'bigint',
  9: 'mediumint',
  10: 'date',
  11: 'time',
  12: 'datetime',
  13: 'year',
  14: 'date',
  15: 'varchar',
  16: 'bit',
  242: 'vector',
  245: 'json',
  246: 'decimal',
  247: 'enum',
  248: 'set',
  255: 'geometry',
};

const BLOBS = new Set([0xf9, 0xfa, 0xfb, 0xfc]);
const NUMERIC = new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0xf6]);

const flagsOf = (column: Column): number => (typeof column.flags === 'number' ? column.flags : 0);

/** A column's type name, e.g. `int`, `bigint unsigned`, `varchar`, `blob`, `json`, `uuid`. */
export const columnType = (column: Column): string => {
  // MariaDB 10.5+ names its own types (uuid, inet4, inet6, point...) and the JSON alias.
  if (column.extendedTypeName) return column.extendedTypeName.toLowerCase();
  if (column.extendedFormat === 'json') return 'json';
  const type = column.columnType ?? -1;
  const flags = flagsOf(column);
  const binary = column.characterSet === BINARY_CHARSET;
  let name: string;
  if (BLOBS.has(type)) name = binary ? 'blob' : 'text';
  else if (type === 0xfd) name = binary ? 'varbinary' : 'varchar';
  else if (type === 0xfe) {
    if (flags & ENUM_FLAG) name = 'enum';
    else if (flags & SET_FLAG) name = 'set';
    else name = binary ? 'binary' : 'char';
  } else name = TYPE_NAMES[type] ?? `type:${type}`;
  return NUMERIC.has(type) && flags & UNSIGNED_FLAG ? `${name} unsigned` : name;
};

/**
 * The shortest decimal that reads back as the same 32-bit FLOAT: the binary protocol hands FLOAT
 * over as a double (1.1 arrives as 1.100000023841858).
 */
const shortestFloat = (value: number): number => {
  if (!Number.isFinite(value)) return value;
  const single = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return value;
};

/** Makes a value JSON-safe: bytes become `0x` hex, FLOAT its shortest decimal. */
export const jsonSafe = (value: unknown, column: Column): unknown => {
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (typeof value === 'number' && column.columnType === FLOAT) return shortestFloat(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return value;
};
