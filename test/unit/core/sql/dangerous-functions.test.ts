// The catalogue of dangerous PostgreSQL functions and write targets the analysis reports.
import {
  DANGER_CATEGORIES,
  DANGEROUS_FUNCTIONS,
  DANGEROUS_WRITE_TARGETS,
  dangerousCategory,
  dangerousWriteTarget,
} from '../../../../lambdas/core/sql/dangerous-functions.js';
import type { DangerCategory } from '../../../../lambdas/core/sql/facts.js';

const catalogued: ReadonlyArray<[string, DangerCategory]> = [
  ['pg_read_file', 'file-access'],
  ['pg_read_binary_file', 'file-access'],
  ['pg_ls_dir', 'file-access'],
  ['pg_ls_logdir', 'file-access'],
  ['pg_ls_waldir', 'file-access'],
  ['pg_ls_tmpdir', 'file-access'],
  ['pg_ls_archive_statusdir', 'file-access'],
  ['pg_ls_logicalsnapdir', 'file-access'],
  ['pg_ls_replslotdir', 'file-access'],
  ['pg_stat_file', 'file-access'],
  ['lo_import', 'file-access'],
  ['lo_export', 'file-access'],
  ['pg_file_write', 'file-access'],
  ['lo_create', 'large-object'],
  ['lo_creat', 'large-object'],
  ['lo_open', 'large-object'],
  ['lo_get', 'large-object'],
  ['lo_put', 'large-object'],
  ['lo_unlink', 'large-object'],
  ['lo_truncate64', 'large-object'],
  ['lo_from_bytea', 'large-object'],
  ['loread', 'large-object'],
  ['lowrite', 'large-object'],
  ['dblink', 'network'],
  ['dblink_exec', 'network'],
  ['dblink_connect_u', 'network'],
  ['dblink_send_query', 'network'],
  ['http', 'network'],
  ['http_get', 'network'],
  ['http_post', 'network'],
  ['http_put', 'network'],
  ['http_patch', 'network'],
  ['http_delete', 'network'],
  ['http_head', 'network'],
  ['http_request', 'network'],
  ['http_set_curlopt', 'network'],
  ['http_reset_curlopt', 'network'],
  ['query_export_to_s3', 'network'],
  ['table_import_from_s3', 'network'],
  ['invoke', 'network'],
  ['invoke_endpoint', 'network'],
  ['blob_get', 'network'],
  ['blob_put', 'network'],
  ['blob_list', 'network'],
  ['pg_terminate_backend', 'backend-signal'],
  ['pg_cancel_backend', 'backend-signal'],
  ['pg_signal_backend', 'backend-signal'],
  ['pg_notify', 'backend-signal'],
  ['pg_reload_conf', 'server-admin'],
  ['pg_rotate_logfile', 'server-admin'],
  ['pg_switch_wal', 'server-admin'],
  ['pg_create_restore_point', 'server-admin'],
  ['pg_logical_emit_message', 'server-admin'],
  ['pg_create_physical_replication_slot', 'server-admin'],
  ['pg_create_logical_replication_slot', 'server-admin'],
  ['pg_drop_replication_slot', 'server-admin'],
  ['pg_logical_slot_get_changes', 'server-admin'],
  ['pg_replication_origin_create', 'server-admin'],
  ['pg_stat_reset', 'server-admin'],
  ['pg_stat_reset_shared', 'server-admin'],
  ['pg_stat_reset_single_table_counters', 'server-admin'],
  ['pg_promote', 'server-admin'],
  ['pg_backup_start', 'server-admin'],
  ['pg_backup_stop', 'server-admin'],
  ['set_config', 'settings'],
  ['nextval', 'sequence-write'],
  ['setval', 'sequence-write'],
  ['pg_advisory_lock', 'advisory-lock'],
  ['pg_advisory_lock_shared', 'advisory-lock'],
  ['pg_try_advisory_xact_lock', 'advisory-lock'],
  ['pg_advisory_unlock_all', 'advisory-lock'],
  ['query_to_xml', 'executes-sql'],
  ['query_to_xmlschema', 'executes-sql'],
  ['query_to_xml_and_xmlschema', 'executes-sql'],
  ['cursor_to_xml', 'executes-sql'],
  ['cursor_to_xmlschema', 'executes-sql'],
  ['database_to_xml', 'executes-sql'],
  ['database_to_xml_and_xmlschema', 'executes-sql'],
  ['schema_to_xml', 'executes-sql'],
  ['schema_to_xmlschema', 'executes-sql'],
  ['table_to_xml', 'executes-sql'],
  ['table_to_xml_and_xmlschema', 'executes-sql'],
  ['ts_stat', 'executes-sql'],
  ['ts_rewrite', 'executes-sql'],
  ['crosstab', 'executes-sql'],
  ['crosstab2', 'executes-sql'],
  ['crosstab3', 'executes-sql'],
  ['crosstab4', 'executes-sql'],
  ['crosstab_float8_5_cols', 'executes-sql'],
  ['connectby', 'executes-sql'],
  ['pg_background_launch', 'executes-sql'],
  ['pg_background_launch_v2', 'executes-sql'],
  ['pg_background_submit_v2', 'executes-sql'],
  ['schedule', 'executes-sql'],
  ['schedule_in_database', 'executes-sql'],
  ['alter_job', 'executes-sql'],
  ['pg_sleep', 'sleep'],
  ['pg_sleep_for', 'sleep'],
  ['pg_sleep_until', 'sleep'],
  ['txid_current', 'transaction-id'],
  ['pg_current_xact_id', 'transaction-id'],
];

describe('dangerousCategory', () => {
  it.each(catalogued)('catalogues %s as %s, with a reason', (name, category) => {
    const entry = dangerousCategory(name);
    expect(entry?.category).toBe(category);
    expect(entry?.reason).toMatch(/^[a-z].{4,}$/);
  });

  it('catalogues every function whose name contains "advisory", whatever else it is called', () => {
    expect(dangerousCategory('my_advisory_helper')?.category).toBe('advisory-lock');
  });

  it('keeps lo_import and lo_export as file access, ahead of the large-object family', () => {
    expect([dangerousCategory('lo_import')?.category, dangerousCategory('lo_export')?.category]).toEqual([
      'file-access',
      'file-access',
    ]);
  });

  it.each([
    'upper',
    'count',
    'now',
    'current_setting',
    'currval',
    'lastval',
    'pg_backend_pid',
    'txid_current_if_assigned',
    'generate_series',
    'pg_get_replication_slots',
    'xmlelement',
    'table_name',
    'http_header',
    'http_headers',
    'urlencode',
    'normal_rand',
    'create_s3_uri',
    'pg_background_result',
    'pg_settings',
  ])('does not catalogue the harmless %s', (name) => {
    expect(dangerousCategory(name)).toBeUndefined();
  });

  it('matches names exactly as the parser gives them: a quoted upper-case name is another function', () => {
    expect(dangerousCategory('PG_SLEEP')).toBeUndefined();
  });

  it('takes the unqualified name: qualification is resolved by the analysis', () => {
    expect(dangerousCategory('pg_catalog.pg_sleep')).toBeUndefined();
  });
});

describe('dangerousWriteTarget', () => {
  it('catalogues writes to pg_settings as a settings change (its update rule calls set_config)', () => {
    expect(dangerousWriteTarget('pg_settings')).toEqual({ category: 'settings', reason: expect.any(String) });
  });

  it.each(['orders', 'PG_SETTINGS', 'pg_catalog.pg_settings', 'pg_stat_activity'])(
    'does not catalogue writes to %s (names are unqualified, as the parser gives them)',
    (name) => {
      expect(dangerousWriteTarget(name)).toBeUndefined();
    },
  );

  it('holds only lower-case, unqualified names', () => {
    const names = [...DANGEROUS_WRITE_TARGETS.keys()];
    expect(names).toContain('pg_settings');
    expect(names.filter((name) => !/^[a-z][a-z0-9_]*$/.test(name))).toEqual([]);
  });
});

describe('DANGEROUS_FUNCTIONS', () => {
  it('holds only lower-case, unqualified names', () => {
    const names = [...DANGEROUS_FUNCTIONS.keys()];
    expect(names).toContain('pg_sleep');
    expect(names.filter((name) => !/^[a-z][a-z0-9_]*$/.test(name))).toEqual([]);
  });
});

describe('DANGER_CATEGORIES', () => {
  it('describes every category the catalogue uses, in one line each', () => {
    const used = [...new Set(catalogued.map(([, category]) => category))];
    expect(Object.keys(DANGER_CATEGORIES).sort()).toEqual(used.sort());
    expect(used.filter((category) => !/^[a-z][^\n]{10,}$/.test(DANGER_CATEGORIES[category]))).toEqual([]);
  });
});
