#include "verify/changed_keys.hpp"

#include <unordered_map>

#include "connectors/pg/chunk_sql.hpp"
#include "engine/model/pg_quote.hpp"
#include "verify/row_diff.hpp"

namespace pgshift::verify {
namespace {

// Keys per query and side: large enough that round trips do not dominate, small enough that one
// statement stays a few hundred kilobytes.
constexpr int kKeysPerQuery = 2000;

// The table's columns and the key its recorded keys name: the replica identity index, else the
// primary key (what pgoutput sends as the key), key columns in column order as pgoutput sends them.
constexpr const char* kTableSql = R"SQL(
SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attgenerated <> '',
       coalesce(a.attnum = ANY (k.attnums), false), c.relkind = 'p'
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN LATERAL (
  SELECT array_agg(i.indkey[s]) AS attnums
  FROM pg_catalog.pg_index i, generate_series(0, i.indnkeyatts - 1) s
  WHERE i.indrelid = c.oid
    AND CASE WHEN c.relreplident = 'i' THEN i.indisreplident ELSE i.indisprimary END) k ON true
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
ORDER BY a.attnum)SQL";

constexpr const char* kTablesSql =
    "SELECT schema_name, table_name, bool_or(key = '{}') FROM pgshift.touched_keys "
    "GROUP BY schema_name, table_name ORDER BY schema_name, table_name";

std::string quoted_name(const std::string& schema, const std::string& name) {
  std::string out = pg::quote_identifier(schema);
  out += '.';
  out += pg::quote_identifier(name);
  return out;
}

Task<Result<Table>> read_keyed_table(pg::Connection& target, const std::string& schema,
                                     const std::string& name) {
  std::vector<std::optional<std::string>> parameters{schema, name};
  auto rows = co_await target.query(kTableSql, parameters);
  const std::string shown_name = quoted_name(schema, name);
  if (!rows) co_return fail(std::move(rows.error()).within("reading the columns of " + shown_name));
  if (rows->rows() == 0) {
    co_return fail(ErrorKind::kRuntime,
                   "table " + shown_name + " has changed keys recorded but is not on the target");
  }
  Table out;
  out.schema = schema;
  out.name = name;
  out.partitioned_parent = rows->boolean(0, 4);
  for (int row = 0; row < rows->rows(); ++row) {
    Column column;
    column.name = rows->text(row, 0);
    column.type_sql = rows->text(row, 1);
    column.generated = rows->boolean(row, 2);
    if (rows->boolean(row, 3)) out.key.push_back(out.columns.size());
    out.columns.push_back(std::move(column));
  }
  if (out.key.empty()) {
    co_return fail(ErrorKind::kRuntime,
                   "table " + shown_name +
                       " has changed keys recorded but no primary key or replica identity index "
                       "on the target to find them by");
  }
  co_return out;
}

// md5 of each row per key index, for one batch on one side.
Task<Result<std::unordered_map<int, std::string>>> read_hashes(pg::Connection& connection,
                                                               const std::string& sql,
                                                               const std::string& side) {
  auto rows = co_await connection.query(sql);
  if (!rows)
    co_return fail(std::move(rows.error()).within("reading changed keys from the " + side));
  std::unordered_map<int, std::string> out;
  for (int row = 0; row < rows->rows(); ++row) {
    out[static_cast<int>(rows->integer(row, 0))] = rows->text(row, 1);
  }
  co_return out;
}

// Checks one keyed table, batch by batch in key order.
Task<Status> check_table(pg::Connection& source, pg::Connection& target, const Table& table,
                         bool remove_equal, ChangedKeyCheck& out) {
  const std::string shown_name = quoted_name(table.schema, table.name);
  const std::size_t width = table.key.size();
  std::string select = "SELECT key::text, touched_lsn::text";
  for (std::size_t i = 1; i <= width; ++i) {
    select += ", key[";
    select += std::to_string(i);
    select += ']';
  }
  select +=
      ", cardinality(key) FROM pgshift.touched_keys AS t WHERE schema_name = $1 AND table_name = "
      "$2 AND t.key > $3::text[] ORDER BY t.key LIMIT ";
  select += std::to_string(kKeysPerQuery);
  std::string after = "{}";
  while (true) {
    std::vector<std::optional<std::string>> parameters{table.schema, table.name, after};
    auto recorded = co_await target.query(select, parameters);
    if (!recorded) {
      co_return fail(
          std::move(recorded.error()).within("reading the changed keys of " + shown_name));
    }
    const int count = recorded->rows();
    if (count == 0) co_return Status{};
    std::vector<RecordedKey> keys;
    for (int row = 0; row < count; ++row) {
      const int columns = static_cast<int>(width);
      if (recorded->integer(row, columns + 2) != columns) {
        co_return fail(ErrorKind::kRuntime, "recorded key " + recorded->text(row, 0) + " of " +
                                                shown_name + " does not have the " +
                                                std::to_string(width) +
                                                " values of the table's key on the target");
      }
      RecordedKey key;
      for (int column = 0; column < columns; ++column) {
        if (recorded->is_null(row, column + 2)) {
          key.emplace_back();
        } else {
          key.emplace_back(recorded->text(row, column + 2));
        }
      }
      keys.push_back(std::move(key));
    }
    after = recorded->text(count - 1, 0);
    const std::string sql = keyed_rows_sql(table, keys);
    auto on_source = co_await read_hashes(source, sql, "source");
    if (!on_source) co_return fail(std::move(on_source.error()).within(shown_name));
    auto on_target = co_await read_hashes(target, sql, "target");
    if (!on_target) co_return fail(std::move(on_target.error()).within(shown_name));
    std::vector<std::pair<std::string, std::string>> equal;
    for (int index = 0; index < count; ++index) {
      auto left = on_source->find(index);
      auto right = on_target->find(index);
      const char* kind = nullptr;
      if (left != on_source->end() && right == on_target->end()) {
        kind = "missing";
      } else if (left == on_source->end() && right != on_target->end()) {
        kind = "extra";
      } else if (left != on_source->end() && left->second != right->second) {
        kind = "changed";
      }
      if (kind == nullptr) {
        equal.emplace_back(recorded->text(index, 0), recorded->text(index, 1));
        continue;
      }
      std::vector<std::string> values;
      for (const auto& value : keys[static_cast<std::size_t>(index)]) {
        values.push_back(value ? display_value(*value) : std::string("NULL"));
      }
      out.differences.push_back(KeyDifference{shown_name, display_key(values), kind});
    }
    out.keys_checked += count;
    if (remove_equal && !equal.empty()) {
      auto removed = co_await target.query(delete_equal_keys_sql(table.schema, table.name, equal));
      if (!removed) {
        co_return fail(
            std::move(removed.error()).within("removing the equal keys of " + shown_name));
      }
    }
    if (count < kKeysPerQuery) co_return Status{};
  }
}

}  // namespace

std::string keyed_rows_sql(const Table& table, const std::vector<RecordedKey>& keys) {
  // One index lookup per key (a lateral subquery by the key's columns), whatever the table's size.
  std::string sql = "SELECT v.n, r.h FROM (VALUES ";
  for (std::size_t n = 0; n < keys.size(); ++n) {
    if (n > 0) sql += ", ";
    sql += '(';
    sql += std::to_string(n);
    for (std::size_t i = 0; i < table.key.size(); ++i) {
      sql += ", ";
      const auto& value = keys[n][i];
      sql += value ? pg::quote_literal(*value) : std::string("NULL");
      sql += "::";
      sql += table.columns[table.key[i]].type_sql;
    }
    sql += ')';
  }
  sql += ") AS v(n";
  for (std::size_t i = 0; i < table.key.size(); ++i) {
    sql += ", k";
    sql += std::to_string(i);
  }
  sql += "), LATERAL (SELECT pg_catalog.md5(ROW(";
  sql += pg::copied_column_list(table);
  // A partitioned table's rows are in its partitions; any other table is read without children.
  sql += ")::text) AS h FROM ";
  if (!table.partitioned_parent) sql += "ONLY ";
  sql += pg::qualified_name(table);
  sql += " WHERE ";
  for (std::size_t i = 0; i < table.key.size(); ++i) {
    if (i > 0) sql += " AND ";
    sql += pg::quote_identifier(table.columns[table.key[i]].name);
    sql += " = v.k";
    sql += std::to_string(i);
  }
  sql += ") AS r";
  return sql;
}

std::string delete_equal_keys_sql(const std::string& schema, const std::string& name,
                                  const std::vector<std::pair<std::string, std::string>>& keys) {
  std::string sql = "DELETE FROM pgshift.touched_keys AS t USING (VALUES ";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += '(';
    sql += pg::quote_literal(keys[i].first);
    sql += "::text[], ";
    sql += pg::quote_literal(keys[i].second);
    sql += "::pg_lsn)";
  }
  sql += ") AS v(key, touched_lsn) WHERE t.schema_name = ";
  sql += pg::quote_literal(schema);
  sql += " AND t.table_name = ";
  sql += pg::quote_literal(name);
  sql += " AND t.key = v.key AND t.touched_lsn = v.touched_lsn";
  return sql;
}

Task<Result<ChangedKeyCheck>> check_changed_keys(pg::Connection& source, pg::Connection& target,
                                                 bool remove_equal) {
  // What the apply batches logged since the last check, folded into the set in one statement (a
  // batch committed meanwhile stays in the log for the next check; stamps only move forward).
  auto folded = co_await target.query(kFoldTouchedLogSql);
  if (!folded) co_return fail(std::move(folded.error()).within("folding the changed keys"));
  auto tables = co_await target.query(kTablesSql);
  if (!tables) co_return fail(std::move(tables.error()).within("reading the changed tables"));
  ChangedKeyCheck out;
  for (int row = 0; row < tables->rows(); ++row) {
    const std::string schema = tables->text(row, 0);
    const std::string name = tables->text(row, 1);
    if (tables->boolean(row, 2)) {
      out.whole_tables.push_back(quoted_name(schema, name));
      continue;
    }
    auto keyed = co_await read_keyed_table(target, schema, name);
    if (!keyed) co_return fail(keyed.error());
    if (auto checked = co_await check_table(source, target, *keyed, remove_equal, out); !checked) {
      co_return fail(checked.error());
    }
    ++out.tables_checked;
  }
  co_return out;
}

Task<Result<std::vector<std::string>>> count_rows(
    pg::Connection& connection, const std::vector<std::string>& qualified_tables) {
  std::vector<std::string> counts(qualified_tables.size());
  if (qualified_tables.empty()) co_return counts;
  // One query; a row per table, so no limit on the number of columns applies.
  std::string sql;
  for (std::size_t i = 0; i < qualified_tables.size(); ++i) {
    if (i > 0) sql += " UNION ALL ";
    sql += "SELECT ";
    sql += std::to_string(i);
    sql += ", count(*) FROM ";
    sql += qualified_tables[i];
  }
  auto rows = co_await connection.query(sql);
  if (!rows) co_return fail(std::move(rows.error()).within("counting rows"));
  for (int row = 0; row < rows->rows(); ++row) {
    counts[static_cast<std::size_t>(rows->integer(row, 0))] = rows->text(row, 1);
  }
  co_return counts;
}

std::vector<std::string> count_differences(const std::vector<std::string>& qualified_tables,
                                           const std::vector<std::string>& source_counts,
                                           const std::vector<std::string>& target_counts) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < qualified_tables.size(); ++i) {
    if (source_counts.at(i) == target_counts.at(i)) continue;
    std::string line = qualified_tables[i];
    line += ": source ";
    line += source_counts[i];
    line += " rows, target ";
    line += target_counts[i];
    line += " rows";
    out.push_back(std::move(line));
  }
  return out;
}

Task<Result<std::vector<std::string>>> compare_row_counts(
    pg::Connection& source, pg::Connection& target,
    const std::vector<std::string>& qualified_tables) {
  auto source_counts = co_await count_rows(source, qualified_tables);
  if (!source_counts) co_return fail(std::move(source_counts.error()).within("source"));
  auto target_counts = co_await count_rows(target, qualified_tables);
  if (!target_counts) co_return fail(std::move(target_counts.error()).within("target"));
  co_return count_differences(qualified_tables, *source_counts, *target_counts);
}

}  // namespace pgshift::verify
