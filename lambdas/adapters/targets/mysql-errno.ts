// MySQL / MariaDB error numbers that say more than their SQLSTATE: the generic HY000, and states
// shared by unlike errors (42000 is both a parse error and a full prepared-statement cache;
// 23000 is both a duplicate key and an ambiguous column name).
import { meaningOf, type SqlStateMeaning } from './sqlstate.js';

type Override = Partial<SqlStateMeaning>;

const callerNoData = (condition: string): SqlStateMeaning => ({
  condition,
  fault: 'caller',
  messageMayHoldData: false,
});
const callerData = (condition: string): SqlStateMeaning => ({
  condition,
  fault: 'caller',
  messageMayHoldData: true,
});
const target = (condition: string): Override => ({ condition, fault: 'target' });

const BY_ERRNO: Readonly<Record<number, Override>> = {
  // Statement text and names
  1064: callerNoData('syntax_error'), // ER_PARSE_ERROR (42000)
  1149: callerNoData('syntax_error'), // ER_SYNTAX_ERROR (42000)
  1065: callerNoData('syntax_error'), // ER_EMPTY_QUERY (42000)
  1146: callerNoData('undefined_table'), // ER_NO_SUCH_TABLE (42S02)
  1054: callerNoData('undefined_column'), // ER_BAD_FIELD_ERROR (42S22)
  1052: callerNoData('ambiguous_column'), // ER_NON_UNIQ_ERROR (23000)
  1066: callerNoData('duplicate_alias'), // ER_NONUNIQ_TABLE (42000)
  1305: callerNoData('undefined_function'), // ER_SP_DOES_NOT_EXIST (42000)
  1193: callerNoData('undefined_object'), // ER_UNKNOWN_SYSTEM_VARIABLE (HY000)
  1142: callerNoData('insufficient_privilege'), // ER_TABLEACCESS_DENIED_ERROR (42000)
  1143: callerNoData('insufficient_privilege'), // ER_COLUMNACCESS_DENIED_ERROR (42000)
  1044: callerNoData('insufficient_privilege'), // ER_DBACCESS_DENIED_ERROR (42000)
  1227: callerNoData('insufficient_privilege'), // ER_SPECIFIC_ACCESS_DENIED_ERROR (42000)
  1370: callerNoData('insufficient_privilege'), // ER_PROCACCESS_DENIED_ERROR (42000)
  1235: callerNoData('feature_not_supported'), // ER_NOT_SUPPORTED_YET (42000)
  1295: callerNoData('feature_not_supported'), // ER_UNSUPPORTED_PS (HY000): not preparable
  1229: callerNoData('cant_change_runtime_param'), // ER_GLOBAL_VARIABLE (HY000)
  1238: callerNoData('cant_change_runtime_param'), // ER_INCORRECT_GLOBAL_LOCAL_VAR (HY000)
  1116: callerNoData('statement_too_complex'), // ER_TOO_MANY_TABLES (HY000)
  1436: callerNoData('statement_too_complex'), // ER_STACK_OVERRUN_NEED_MORE (HY000)
  // Values: the text quotes them
  1292: callerData('invalid_text_representation'), // ER_TRUNCATED_WRONG_VALUE (22007)
  1366: callerData('invalid_text_representation'), // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD (HY000 on MySQL)
  1367: callerData('invalid_text_representation'), // ER_ILLEGAL_VALUE_FOR_TYPE (22007)
  1411: callerData('invalid_datetime_format'), // ER_WRONG_VALUE_FOR_TYPE (HY000)
  1265: callerData('string_data_right_truncation'), // WARN_DATA_TRUNCATED (01000), an error in strict mode
  1365: callerData('division_by_zero'), // ER_DIVISION_BY_ZERO (22012)
  1062: callerData('unique_violation'), // ER_DUP_ENTRY (23000)
  1586: callerData('unique_violation'), // ER_DUP_ENTRY_WITH_KEY_NAME (23000)
  1451: callerData('foreign_key_violation'), // ER_ROW_IS_REFERENCED_2 (23000)
  1452: callerData('foreign_key_violation'), // ER_NO_REFERENCED_ROW_2 (23000)
  1048: callerData('not_null_violation'), // ER_BAD_NULL_ERROR (23000)
  1364: callerData('not_null_violation'), // ER_NO_DEFAULT_FOR_FIELD (HY000)
  3819: callerData('check_violation'), // MySQL ER_CHECK_CONSTRAINT_VIOLATED (HY000)
  4025: callerData('check_violation'), // MariaDB ER_CONSTRAINT_FAILED (23000)
  // The server's state, whatever the statement
  1205: target('lock_not_available'), // ER_LOCK_WAIT_TIMEOUT (HY000)
  3572: target('lock_not_available'), // ER_LOCK_NOWAIT (HY000)
  1213: target('deadlock_detected'), // ER_LOCK_DEADLOCK (40001)
  1290: target('read_only_sql_transaction'), // ER_OPTION_PREVENTS_STATEMENT (--read-only)
  1114: target('disk_full'), // ER_RECORD_FILE_FULL (HY000)
  1021: target('disk_full'), // ER_DISK_FULL (HY000)
  1461: target('configuration_limit_exceeded'), // ER_MAX_PREPARED_STMT_COUNT_REACHED (42000)
  1203: target('too_many_connections'), // ER_TOO_MANY_USER_CONNECTIONS (42000)
  1226: target('configuration_limit_exceeded'), // ER_USER_LIMIT_REACHED (42000)
};

/** ER_WRONG_ARGUMENTS; from COM_STMT_EXECUTE it means the parameter count is wrong. */
const WRONG_ARGUMENTS = 1210;

/** What a MySQL / MariaDB error means: its SQLSTATE's meaning, refined by its error number. */
export const meaningOfMysqlError = (
  sqlState: string | undefined,
  errno: number | undefined,
  message: string,
): SqlStateMeaning => {
  const base = meaningOf(sqlState);
  if (errno === WRONG_ARGUMENTS) {
    // "Incorrect arguments to mysqld_stmt_execute" / "... to AGAINST": names only.
    return callerNoData(/stmt_execute/i.test(message) ? 'wrong_parameter_count' : 'wrong_arguments');
  }
  const override = errno === undefined ? undefined : BY_ERRNO[errno];
  return override ? { ...base, ...override } : base;
};
