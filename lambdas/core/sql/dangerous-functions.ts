// The dangerous-function catalogue: functions that act on the server, its file system, the
// network, other sessions or the transaction's guarantees even when called from a SELECT, or that
// run SQL text the analysis cannot see. A read that calls one is not a plain read. Writes to a
// few relations act like such a call (`DANGEROUS_WRITE_TARGETS`: pg_settings is set_config).
//
// Matched on the function's own name (the last part of a qualified name, whatever schema or
// database qualifies it), exactly as the parser gives it: unquoted identifiers are folded to
// lower case by the parser; a quoted `"PG_SLEEP"` names another function, which PostgreSQL would
// not resolve to pg_sleep either, so it does not match.
import type { DangerCategory } from './facts.js';

/** One line per category: what calling a function of the category does. */
export const DANGER_CATEGORIES: Readonly<Record<DangerCategory, string>> = {
  'file-access': 'reads, lists or writes files on the database server',
  'large-object': 'reads or writes large objects, which live outside any table',
  network: 'opens connections from the database server to other servers',
  'backend-signal': 'signals, cancels or terminates other sessions',
  'server-admin': 'changes server state: configuration, WAL, replication, statistics or backups',
  settings: 'changes settings, such as the statement timeout or the role',
  'sequence-write': 'advances or sets a sequence, a write that no rollback undoes',
  'advisory-lock': 'takes or releases advisory locks, which can outlive the statement',
  'executes-sql': 'executes SQL text, or reads whole tables, out of the analysis’s sight',
  sleep: 'holds a database connection idle',
  'transaction-id': 'assigns a transaction id, a write from a read',
};

export interface DangerEntry {
  readonly category: DangerCategory;
  /** What this function does, in a few words. */
  readonly reason: string;
}

const group = (
  category: DangerCategory,
  reason: string,
  names: readonly string[],
): Array<[string, DangerEntry]> => names.map((name) => [name, { category, reason }]);

/** Functions named one by one; families follow in `FAMILIES`. */
export const DANGEROUS_FUNCTIONS: ReadonlyMap<string, DangerEntry> = new Map([
  ...group('file-access', 'reads server files', ['pg_read_file', 'pg_read_binary_file']),
  ...group('file-access', 'inspects server files', ['pg_stat_file']),
  ...group('file-access', 'reads a server file into a large object', ['lo_import']),
  ...group('file-access', 'writes a large object to a server file', ['lo_export']),
  // adminpack (removed in PostgreSQL 17, still installed on older servers)
  ...group('file-access', 'writes, renames or deletes server files', [
    'pg_file_write',
    'pg_file_rename',
    'pg_file_unlink',
    'pg_file_sync',
  ]),
  ...group('file-access', 'lists server directories', ['pg_logdir_ls']),
  ...group('large-object', 'reads or writes large objects', ['loread', 'lowrite']),
  ...group('backend-signal', 'terminates other sessions', ['pg_terminate_backend']),
  ...group('backend-signal', 'cancels other sessions’ queries', ['pg_cancel_backend']),
  ...group('backend-signal', 'signals other sessions', [
    'pg_signal_backend',
    'pg_log_backend_memory_contexts',
  ]),
  ...group('backend-signal', 'notifies other sessions', ['pg_notify']),
  ...group('server-admin', 'reloads the server configuration', ['pg_reload_conf']),
  ...group('server-admin', 'rotates the server log', ['pg_rotate_logfile', 'pg_rotate_logfile_old']),
  ...group('server-admin', 'forces a WAL switch', ['pg_switch_wal', 'pg_switch_xlog']),
  ...group('server-admin', 'writes to the WAL', [
    'pg_create_restore_point',
    'pg_logical_emit_message',
    'pg_log_standby_snapshot',
  ]),
  ...group('server-admin', 'creates, drops or advances a replication slot', [
    'pg_create_physical_replication_slot',
    'pg_create_logical_replication_slot',
    'pg_copy_physical_replication_slot',
    'pg_copy_logical_replication_slot',
    'pg_drop_replication_slot',
    'pg_replication_slot_advance',
    'pg_sync_replication_slots',
  ]),
  ...group('server-admin', 'consumes or decodes a replication slot’s changes to every table', [
    'pg_logical_slot_get_changes',
    'pg_logical_slot_peek_changes',
    'pg_logical_slot_get_binary_changes',
    'pg_logical_slot_peek_binary_changes',
  ]),
  ...group('server-admin', 'changes replication origins', [
    'pg_replication_origin_create',
    'pg_replication_origin_drop',
    'pg_replication_origin_advance',
    'pg_replication_origin_session_setup',
    'pg_replication_origin_session_reset',
    'pg_replication_origin_xact_setup',
    'pg_replication_origin_xact_reset',
  ]),
  ...group('server-admin', 'resets statistics', ['pg_stat_statements_reset']),
  ...group('server-admin', 'promotes a standby', ['pg_promote']),
  ...group('server-admin', 'pauses or resumes WAL replay', [
    'pg_wal_replay_pause',
    'pg_wal_replay_resume',
    'pg_xlog_replay_pause',
    'pg_xlog_replay_resume',
  ]),
  ...group('server-admin', 'starts or stops a backup', [
    'pg_backup_start',
    'pg_backup_stop',
    'pg_start_backup',
    'pg_stop_backup',
  ]),
  ...group('server-admin', 'writes index pages', [
    'brin_summarize_new_values',
    'brin_summarize_range',
    'brin_desummarize_range',
    'gin_clean_pending_list',
  ]),
  ...group('server-admin', 'writes the system catalogues', ['pg_import_system_collations', 'pg_nextoid']),
  ...group('settings', 'changes settings', ['set_config']),
  ...group('sequence-write', 'advances a sequence', ['nextval']),
  ...group('sequence-write', 'sets a sequence', ['setval']),
  ...group('executes-sql', 'executes SQL text', [
    'query_to_xml',
    'query_to_xmlschema',
    'query_to_xml_and_xmlschema',
    'cursor_to_xml',
    'cursor_to_xmlschema',
    'ts_stat',
    'ts_rewrite',
  ]),
  // tablefunc: crosstab(), crosstab2()–crosstab4() and connectby() run the SQL text they are given
  // (crosstab's own variants, often declared under other names, are caught by the family below).
  ...group('executes-sql', 'executes SQL text', ['connectby']),
  // pg_background runs SQL text in a background worker: its own transaction, which commits
  // whatever the caller's READ ONLY transaction forbids.
  ...group('executes-sql', 'executes SQL text in another transaction', [
    'pg_background_launch',
    'pg_background_launch_v2',
    'pg_background_submit_v2',
  ]),
  // pg_cron: schedules SQL text to run later, outside this request.
  ...group('executes-sql', 'schedules SQL text to run later', [
    'schedule',
    'schedule_in_database',
    'alter_job',
  ]),
  // pgsql-http (and pg_net's net.http_get, net.http_post, net.http_delete): HTTP requests from
  // the server, which work inside a READ ONLY transaction and can carry any data out.
  ...group('network', 'sends HTTP requests from the server', [
    'http',
    'http_get',
    'http_post',
    'http_put',
    'http_patch',
    'http_delete',
    'http_head',
    'http_request',
  ]),
  ...group('network', 'configures the server’s HTTP client', ['http_set_curlopt', 'http_reset_curlopt']),
  // Cloud extensions: Amazon RDS/Aurora (aws_s3, aws_lambda, aws_ml), Azure (azure_storage).
  ...group('network', 'exports a query’s result to S3', ['query_export_to_s3']),
  ...group('network', 'imports a file from S3 into a table', ['table_import_from_s3']),
  ...group('network', 'invokes a cloud function or model endpoint', ['invoke', 'invoke_endpoint']),
  ...group('network', 'reads or writes cloud storage', ['blob_get', 'blob_put', 'blob_list']),
  ...group('sleep', 'holds a connection idle', ['pg_sleep', 'pg_sleep_for', 'pg_sleep_until']),
  ...group('transaction-id', 'assigns a transaction id', ['txid_current', 'pg_current_xact_id']),
]);

/** Families matched by name pattern, after the named functions (so lo_import stays file access). */
const FAMILIES: ReadonlyArray<{ readonly matches: (name: string) => boolean; readonly entry: DangerEntry }> =
  [
    {
      matches: (n) => n.startsWith('pg_ls_'),
      entry: { category: 'file-access', reason: 'lists server directories' },
    },
    {
      matches: (n) => n.startsWith('lo_'),
      entry: { category: 'large-object', reason: 'reads or writes large objects' },
    },
    {
      matches: (n) => n.startsWith('dblink'),
      entry: { category: 'network', reason: 'connects to or runs SQL on other servers' },
    },
    {
      matches: (n) => n.startsWith('pg_stat_reset'),
      entry: { category: 'server-admin', reason: 'resets statistics' },
    },
    {
      matches: (n) => n.includes('advisory'),
      entry: { category: 'advisory-lock', reason: 'takes or releases advisory locks' },
    },
    {
      matches: (n) => n.startsWith('crosstab'),
      entry: { category: 'executes-sql', reason: 'executes SQL text (tablefunc crosstab)' },
    },
    {
      matches: (n) =>
        n.startsWith('database_to_xml') || n.startsWith('schema_to_xml') || n.startsWith('table_to_xml'),
      entry: { category: 'executes-sql', reason: 'reads whole tables named by text' },
    },
  ];

/**
 * Relations a write to which acts like a dangerous call, by their own name (the last part of a
 * qualified name, as for functions). `UPDATE pg_settings SET setting = …` is `set_config()`
 * through the view's update rule: it changes the statement timeout, the role's search path, ….
 */
export const DANGEROUS_WRITE_TARGETS: ReadonlyMap<string, DangerEntry> = new Map([
  [
    'pg_settings',
    { category: 'settings', reason: 'changes settings: the view’s update rule calls set_config' },
  ],
]);

/** The catalogue entry of a relation that is written to (a DML target), or undefined. */
export const dangerousWriteTarget = (relname: string): DangerEntry | undefined =>
  DANGEROUS_WRITE_TARGETS.get(relname);

/**
 * The catalogue entry of a function, or undefined. `name` is the function's own name,
 * unqualified, exactly as the parser gives it (lower case unless it was quoted).
 */
export const dangerousCategory = (name: string): DangerEntry | undefined =>
  DANGEROUS_FUNCTIONS.get(name) ?? FAMILIES.find((f) => f.matches(name))?.entry;
