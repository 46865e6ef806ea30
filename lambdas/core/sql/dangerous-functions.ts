// Functions that act on the server, the file system, the network or other sessions even when
// called from a SELECT. A read that calls one is not a plain read. The catalogue grows with the
// guardrails work; names are matched without a `pg_catalog.` qualifier.

const DANGEROUS_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  // server file system
  ['pg_read_file', 'reads server files'],
  ['pg_read_binary_file', 'reads server files'],
  ['pg_ls_dir', 'lists server directories'],
  ['pg_stat_file', 'inspects server files'],
  ['lo_import', 'reads server files into large objects'],
  ['lo_export', 'writes large objects to server files'],
  // other sessions and the server itself
  ['pg_terminate_backend', 'terminates other sessions'],
  ['pg_cancel_backend', 'cancels other sessions'],
  ['pg_reload_conf', 'reloads the server configuration'],
  ['pg_rotate_logfile', 'rotates the server log'],
  ['set_config', 'changes session settings'],
  // network
  ['dblink', 'opens connections to other servers'],
  ['dblink_exec', 'executes SQL on other servers'],
  ['dblink_connect', 'opens connections to other servers'],
  // executes SQL text that analysis cannot see
  ['query_to_xml', 'executes SQL text'],
  ['query_to_xml_and_xmlschema', 'executes SQL text'],
  ['cursor_to_xml', 'executes SQL text'],
  // writes and locks from a SELECT
  ['nextval', 'advances a sequence'],
  ['setval', 'sets a sequence'],
  ['pg_advisory_lock', 'takes an advisory lock'],
  ['pg_advisory_xact_lock', 'takes an advisory lock'],
  ['pg_sleep', 'holds a connection idle'],
  ['pg_sleep_for', 'holds a connection idle'],
  ['pg_sleep_until', 'holds a connection idle'],
]);

/** Why a function is dangerous, or undefined. `name` is as the analysis reports it. */
export const dangerousFunction = (name: string): string | undefined =>
  DANGEROUS_FUNCTIONS.get(name.startsWith('pg_catalog.') ? name.slice('pg_catalog.'.length) : name);
