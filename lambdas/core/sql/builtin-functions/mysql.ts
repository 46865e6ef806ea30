// MySQL and MariaDB built-in functions by volatility, reviewed by hand: neither server has a
// volatility catalogue, so this list is the catalogue. A name not listed is unknown and a read
// calling it is refused; a stored function of any listed name still counts as the user's.
//
// `i`: the result depends only on the arguments (string, math, date arithmetic, JSON, spatial,
// aggregates and window functions, hashing). `s`: fixed by the session or the statement (the
// clock, the user, the database, the server version, lc_time_names / time_zone). `v`: changes
// between calls or acts on something; only those in REVIEWED_VOLATILE_FUNCTIONS
// (function-allowlist.ts) are harmless in a read. The others are listed so a refusal can say
// "volatile" rather than "unknown": named locks (GET_LOCK...), waits (SLEEP, BENCHMARK,
// MASTER_POS_WAIT...), server files (LOAD_FILE), session state (LAST_INSERT_ID(expr) sets it),
// MariaDB sequences (NEXTVAL/SETVAL write; LASTVAL reads the session's).
//
// Reviewed against MariaDB 10.11 (each name answered as a built-in, not as a missing stored
// function) and MySQL 8.0/8.4's function reference; names only one of them has are kept: on the
// other the name is a stored function's, which the executor looks up first.
import type { BuiltinVolatility } from './builtin-volatility.js';

export const MYSQL_BUILTIN_FUNCTIONS: BuiltinVolatility = {
  i: `
    abs acos adddate addtime add_months aes_decrypt aes_encrypt any_value area asbinary ascii asin
    astext aswkb aswkt atan atan2 avg bin bin_to_uuid bit_and bit_count bit_length bit_or bit_xor
    ceil ceiling char char_length character_length chr coalesce collation coercibility column_add
    column_check column_create column_delete column_exists column_get column_json column_list
    compress concat concat_ws conv convert cos cot count crc32 crc32c cume_dist date date_add
    date_sub datediff day dayofmonth dayofweek dayofyear decode default degrees dense_rank elt
    encode exp export_set extractvalue field find_in_set first_value floor format format_bytes
    format_pico_time from_base64 from_days geometrycollection get_format greatest group_concat
    grouping gtid_subset gtid_subtract hex hour if ifnull inet6_aton inet6_ntoa inet_aton
    inet_ntoa insert instr interval is_ipv4 is_ipv4_compat is_ipv4_mapped is_ipv6 is_uuid isnull
    json_array json_array_append json_array_insert json_arrayagg json_array_intersect json_compact
    json_contains json_contains_path json_depth json_detailed json_equals json_exists json_extract
    json_insert json_keys json_length json_loose json_merge json_merge_patch json_merge_preserve
    json_normalize json_object json_object_filter_keys json_object_to_array json_objectagg
    json_overlaps json_pretty json_query json_quote json_remove json_replace json_schema_valid
    json_schema_validation_report json_search json_set json_storage_free json_storage_size json_type
    json_unquote json_valid json_value lag last_day last_value lcase lead least left length
    linestring ln locate log log10 log2 lower lpad ltrim make_set makedate maketime max md5 median
    microsecond mid min minute mod month multilinestring multipoint multipolygon name_const
    natural_sort_key nth_value ntile nullif nvl nvl2 oct octet_length ord percent_rank
    percentile_cont percentile_disc period_add period_diff pi point polygon position pow power
    quarter quote radians rank regexp_instr regexp_like regexp_replace regexp_substr repeat replace
    reverse right round row_number rpad rtrim sec_to_time second sformat sha sha1 sha2 sign sin
    soundex space sqrt st_area st_asbinary st_asgeojson st_astext st_aswkb st_aswkt st_buffer
    st_centroid st_contains st_crosses st_difference st_disjoint st_distance st_distance_sphere
    st_endpoint st_envelope st_equals st_geometryfromtext st_geometrytype st_geomfromgeojson
    st_geomfromtext st_geomfromwkb st_intersection st_intersects st_isempty st_isvalid st_length
    st_numpoints st_overlaps st_pointfromtext st_pointn st_srid st_startpoint st_touches st_union
    st_within st_x st_y std stddev stddev_pop stddev_samp strcmp subdate substr substring
    substring_index subtime sum tan time time_to_sec timediff timestamp timestampadd timestampdiff
    to_base64 to_days to_seconds trim truncate ucase uncompress uncompressed_length unhex updatexml
    upper uuid_to_bin value values var_pop var_samp variance week weekday weekofyear
    weight_string year yearweek
  `,
  s: `
    charset connection_id convert_tz curdate current_date current_role current_time
    current_timestamp current_user curtime database date_format dayname found_rows from_unixtime
    icu_version localtime localtimestamp monthname now row_count schema session_user
    str_to_date system_user time_format to_char unix_timestamp user utc_date utc_time
    utc_timestamp version
  `,
  v: `
    benchmark get_lock is_free_lock is_used_lock last_insert_id lastval load_file master_gtid_wait
    master_pos_wait nextval rand random_bytes release_all_locks release_lock setval sleep
    source_pos_wait sys_guid sysdate uuid uuid_short wait_for_executed_gtid_set
  `,
};
