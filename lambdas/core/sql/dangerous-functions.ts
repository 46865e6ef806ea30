// Functions that act on the server, the file system, the network, other sessions or the
// transaction's guarantees even when called from a SELECT. A read that calls one is not a plain
// read. Matched on the function's own name, whatever schema or database qualifies it; the
// catalogue grows with the guardrails work (which moves to an allow-list per connection).

const DANGEROUS_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  // server file system
  ['pg_read_file', 'reads server files'],
  ['pg_read_binary_file', 'reads server files'],
  ['pg_ls_dir', 'lists server directories'],
  ['pg_ls_logdir', 'lists server directories'],
  ['pg_ls_waldir', 'lists server directories'],
  ['pg_ls_tmpdir', 'lists server directories'],
  ['pg_ls_archive_statusdir', 'lists server directories'],
  ['pg_stat_file', 'inspects server files'],
  ['lo_import', 'reads server files into large objects'],
  ['lo_export', 'writes large objects to server files'],
  ['lo_create', 'creates large objects'],
  ['lo_unlink', 'deletes large objects'],
  ['lo_put', 'writes large objects'],
  ['lo_from_bytea', 'creates large objects'],
  // other sessions, the server, replication
  ['pg_terminate_backend', 'terminates other sessions'],
  ['pg_cancel_backend', 'cancels other sessions'],
  ['pg_reload_conf', 'reloads the server configuration'],
  ['pg_rotate_logfile', 'rotates the server log'],
  ['pg_switch_wal', 'forces a WAL switch'],
  ['pg_create_restore_point', 'writes to the WAL'],
  ['pg_logical_emit_message', 'writes to the WAL'],
  ['pg_create_physical_replication_slot', 'creates a replication slot'],
  ['pg_create_logical_replication_slot', 'creates a replication slot'],
  ['pg_drop_replication_slot', 'drops a replication slot'],
  ['pg_stat_reset', 'resets statistics'],
  ['pg_stat_reset_shared', 'resets statistics'],
  ['pg_stat_reset_single_table_counters', 'resets statistics'],
  ['pg_stat_reset_single_function_counters', 'resets statistics'],
  ['pg_stat_reset_slru', 'resets statistics'],
  ['pg_stat_reset_replication_slot', 'resets statistics'],
  ['pg_notify', 'signals other sessions'],
  // settings: could lift the statement timeout
  ['set_config', 'changes session settings'],
  // network
  ['dblink', 'opens connections to other servers'],
  ['dblink_exec', 'executes SQL on other servers'],
  ['dblink_connect', 'opens connections to other servers'],
  ['dblink_connect_u', 'opens connections to other servers'],
  ['dblink_send_query', 'executes SQL on other servers'],
  ['dblink_open', 'opens cursors on other servers'],
  // execute SQL text that analysis cannot see
  ['query_to_xml', 'executes SQL text'],
  ['query_to_xmlschema', 'executes SQL text'],
  ['query_to_xml_and_xmlschema', 'executes SQL text'],
  ['cursor_to_xml', 'executes SQL text'],
  ['cursor_to_xmlschema', 'executes SQL text'],
  ['ts_stat', 'executes SQL text'],
  // writes and locks from a SELECT
  ['nextval', 'advances a sequence'],
  ['setval', 'sets a sequence'],
  ['txid_current', 'assigns a transaction id'],
  ['pg_current_xact_id', 'assigns a transaction id'],
  ['pg_sleep', 'holds a connection idle'],
  ['pg_sleep_for', 'holds a connection idle'],
  ['pg_sleep_until', 'holds a connection idle'],
]);

/** Why a function is dangerous, or undefined. `name` is the function's own name, unqualified. */
export const dangerousFunction = (name: string): string | undefined => {
  if (name.includes('advisory')) return 'takes or releases advisory locks';
  if (name.startsWith('pg_') && name.includes('replication_')) return 'acts on replication';
  return DANGEROUS_FUNCTIONS.get(name);
};
