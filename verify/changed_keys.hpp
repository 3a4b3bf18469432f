// Re-verifies what the change stream touched since the copy: every key recorded in the target's
// pgshift.touched_keys (engine/sync/touched_keys.hpp) is compared between source and target, a few
// thousand keys per table per query on each side, so the cost grows with the changes, not with
// the database. Tables recorded as changed whole ('{}': no usable key, or TRUNCATE) are listed for
// the caller to compare otherwise (compare_row_counts). Both connections are borrowed for the
// call, in whatever state the caller left them (no transaction is opened here: for an exact
// answer the caller stops the writes first, or holds each side in one snapshot); one coroutine
// at a time. The SQL builders are pure, for unit tests.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/model/table.hpp"

namespace pgshift::verify {

// Moves what apply batches logged in pgshift.touched_log into pgshift.touched_keys (a key per
// row, the latest stamp). check_changed_keys runs it first.
inline constexpr const char* kFoldTouchedLogSql =
    "WITH moved AS (DELETE FROM pgshift.touched_log RETURNING *) "
    "INSERT INTO pgshift.touched_keys (schema_name, table_name, key, touched_lsn) "
    "SELECT schema_name, table_name, k::text[], max(touched_lsn) FROM moved, unnest(keys) AS k "
    "GROUP BY 1, 2, 3 ON CONFLICT (schema_name, table_name, key) DO UPDATE SET touched_lsn = "
    "greatest(pgshift.touched_keys.touched_lsn, EXCLUDED.touched_lsn)";

struct KeyDifference {
  std::string table;  // "schema"."name", quoted
  std::string key;    // display_key: "(1, a)", values quoted when needed
  std::string kind;   // missing | extra | changed (as the target stands against the source)
};

struct ChangedKeyCheck {
  long long keys_checked = 0;
  long long tables_checked = 0;  // compared key by key
  std::vector<KeyDifference> differences;
  std::vector<std::string> whole_tables;  // "schema"."name", quoted: marked '{}'
};

// Compares source and target for every recorded key. With `remove_equal`, the keys found equal
// are deleted from pgshift.touched_keys where their touched_lsn is still the one read (a key the
// stream touched again meanwhile stays). Fails, naming the table, when a recorded table is gone
// from the target or has no key there that matches the recorded keys.
Task<Result<ChangedKeyCheck>> check_changed_keys(pg::Connection& source, pg::Connection& target,
                                                 bool remove_equal);

// Row counts, source against target, of the given tables (quoted qualified names, as in
// ChangedKeyCheck::whole_tables): one line "name: source N rows, target M rows" per table whose
// counts differ.
Task<Result<std::vector<std::string>>> compare_row_counts(
    pg::Connection& source, pg::Connection& target,
    const std::vector<std::string>& qualified_tables);

// count(*) of each table ("schema"."name" quoted), in order, as text; one query.
Task<Result<std::vector<std::string>>> count_rows(pg::Connection& connection,
                                                  const std::vector<std::string>& qualified_tables);
// The lines compare_row_counts returns, from counts taken separately (even concurrently).
std::vector<std::string> count_differences(const std::vector<std::string>& qualified_tables,
                                           const std::vector<std::string>& source_counts,
                                           const std::vector<std::string>& target_counts);

// One recorded key: the key columns' values in text form (NULL possible in a text[]).
using RecordedKey = std::vector<std::optional<std::string>>;

// "SELECT n, md5 of the row's copied columns" for the rows with the given keys, n = the key's
// index in `keys`; a key with no row gives no result row. `table.key` names the key columns.
std::string keyed_rows_sql(const Table& table, const std::vector<RecordedKey>& keys);

// Deletes from pgshift.touched_keys the given (key as text[] text, touched_lsn text) of one table
// where touched_lsn is unchanged.
std::string delete_equal_keys_sql(const std::string& schema, const std::string& name,
                                  const std::vector<std::pair<std::string, std::string>>& keys);

}  // namespace pgshift::verify
