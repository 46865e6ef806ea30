// The SQLSTATE table and MySQL's error-number refinements: each refusal gets a condition, a fault
// and whether its text may quote data.
import { meaningOfMysqlError } from '../../../lambdas/adapters/targets/mysql-errno.js';
import { meaningOf } from '../../../lambdas/adapters/targets/sqlstate.js';

describe('meaningOf (SQLSTATE)', () => {
  it.each([
    ['42601', 'syntax_error'],
    ['42P01', 'undefined_table'],
    ['42703', 'undefined_column'],
    ['42883', 'undefined_function'],
    ['42804', 'datatype_mismatch'],
    ['42702', 'ambiguous_column'],
    ['42501', 'insufficient_privilege'],
    ['21000', 'cardinality_violation'],
    ['0A000', 'feature_not_supported'],
    ['54001', 'statement_too_complex'],
    ['25006', 'read_only_sql_transaction'],
  ])(
    'makes %s (%s) the caller’s, with a message that names only the statement’s own objects',
    (sqlState, condition) => {
      expect(meaningOf(sqlState)).toEqual({ condition, fault: 'caller', messageMayHoldData: false });
    },
  );

  it.each([
    ['22012', 'division_by_zero'],
    ['22P02', 'invalid_text_representation'],
    ['22001', 'string_data_right_truncation'],
    ['23505', 'unique_violation'],
    ['23503', 'foreign_key_violation'],
    ['P0001', 'raise_exception'],
    ['3F000', 'invalid_schema_name'],
    // has_database_privilege(email, 'connect'): the statement named the database.
    ['3D000', 'invalid_catalog_name'],
  ])('makes %s (%s) the caller’s, with a message that may quote data', (sqlState, condition) => {
    expect(meaningOf(sqlState)).toEqual({ condition, fault: 'caller', messageMayHoldData: true });
  });

  it.each([
    ['53100', 'disk_full'],
    ['53200', 'out_of_memory'],
    ['57P01', 'admin_shutdown'],
    ['58030', 'io_error'],
    ['XX000', 'internal_error'],
    ['40001', 'serialization_failure'],
    ['40P01', 'deadlock_detected'],
    ['08006', 'connection_failure'],
    ['28P01', 'invalid_password'],
    ['55P03', 'lock_not_available'],
    ['25P03', 'idle_in_transaction_session_timeout'],
    ['HV000', 'fdw_error'],
  ])('makes %s (%s) the target’s', (sqlState, condition) => {
    expect(meaningOf(sqlState)).toMatchObject({ condition, fault: 'target', messageMayHoldData: true });
  });

  it('names an unknown code after its class, with its class’s fault', () => {
    expect(meaningOf('22ZZZ')).toEqual({
      condition: 'data_exception',
      fault: 'caller',
      messageMayHoldData: true,
    });
    expect(meaningOf('42ZZZ')).toEqual({
      condition: 'syntax_error_or_access_rule_violation',
      fault: 'caller',
      messageMayHoldData: false,
    });
    expect(meaningOf('53ZZZ')).toMatchObject({ condition: 'insufficient_resources', fault: 'target' });
  });

  it('makes an unknown class, a malformed code or no code the target’s, possibly quoting data', () => {
    const unknown = { condition: 'unknown_error', fault: 'target', messageMayHoldData: true };
    expect(meaningOf('ZZ123')).toEqual(unknown);
    expect(meaningOf('4260')).toEqual(unknown);
    expect(meaningOf('42601; x')).toEqual(unknown);
    expect(meaningOf(null)).toEqual(unknown);
    expect(meaningOf(undefined)).toEqual(unknown);
  });

  it('keeps protocol violations the target’s but marks their text free of data', () => {
    expect(meaningOf('08P01')).toEqual({
      condition: 'protocol_violation',
      fault: 'target',
      messageMayHoldData: false,
    });
  });
});

describe('meaningOfMysqlError', () => {
  it('reads a wrong parameter count off the generic HY000', () => {
    expect(meaningOfMysqlError('HY000', 1210, 'Incorrect arguments to mysqld_stmt_execute')).toEqual({
      condition: 'wrong_parameter_count',
      fault: 'caller',
      messageMayHoldData: false,
    });
    expect(meaningOfMysqlError('HY000', 1210, 'Incorrect arguments to AGAINST')).toMatchObject({
      condition: 'wrong_arguments',
      fault: 'caller',
    });
  });

  it.each([
    [1064, '42000', 'syntax_error', 'caller', false],
    [1146, '42S02', 'undefined_table', 'caller', false],
    [1054, '42S22', 'undefined_column', 'caller', false],
    [1052, '23000', 'ambiguous_column', 'caller', false],
    [1365, '22012', 'division_by_zero', 'caller', true],
    [1292, '22007', 'invalid_text_representation', 'caller', true],
    [1366, 'HY000', 'invalid_text_representation', 'caller', true],
    [1062, '23000', 'unique_violation', 'caller', true],
    [1295, 'HY000', 'feature_not_supported', 'caller', false],
    [1205, 'HY000', 'lock_not_available', 'target', true],
    [1213, '40001', 'deadlock_detected', 'target', true],
    [1461, '42000', 'configuration_limit_exceeded', 'target', false],
  ])('reads error %i (%s) as %s', (errno, sqlState, condition, fault, messageMayHoldData) => {
    expect(meaningOfMysqlError(sqlState, errno, '')).toEqual({ condition, fault, messageMayHoldData });
  });

  it('falls back on the SQLSTATE, and makes an unknown HY000 the target’s', () => {
    expect(meaningOfMysqlError('42S02', 99999, '')).toMatchObject({
      condition: 'undefined_table',
      fault: 'caller',
    });
    expect(meaningOfMysqlError('HY000', 1105, 'Unknown error')).toEqual({
      condition: 'general_error',
      fault: 'target',
      messageMayHoldData: true,
    });
  });
});
