#include "connectors/pg/catalog.hpp"

#include <algorithm>
#include <sstream>

#include "engine/model/pg_quote.hpp"

namespace pgshift::pg {
namespace {

bool wildcard_match(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern[0] == '*') {
    for (std::size_t skip = 0; skip <= text.size(); ++skip) {
      if (wildcard_match(pattern.substr(1), text.substr(skip))) return true;
    }
    return false;
  }
  return !text.empty() && pattern[0] == text[0] &&
         wildcard_match(pattern.substr(1), text.substr(1));
}

bool pattern_matches(const std::string& pattern, const std::string& schema,
                     const std::string& table) {
  if (pattern.find('.') != std::string::npos) {
    return wildcard_match(pattern, schema + "." + table);
  }
  return wildcard_match(pattern, table);
}

std::vector<std::size_t> parse_attnums(const std::string& text) {
  std::vector<std::size_t> out;
  std::istringstream in(text);
  for (long value; in >> value;) out.push_back(static_cast<std::size_t>(value));
  return out;
}

}  // namespace

bool TableFilter::accepts(const std::string& schema, const std::string& table) const {
  for (const auto& pattern : exclude_schemas) {
    if (wildcard_match(pattern, schema)) return false;
  }
  for (const auto& pattern : exclude_tables) {
    if (pattern_matches(pattern, schema, table)) return false;
  }
  if (include_tables.empty()) return true;
  return std::any_of(include_tables.begin(), include_tables.end(),
                     [&](const auto& pattern) { return pattern_matches(pattern, schema, table); });
}

bool TableFilter::accepts_schema(const std::string& schema) const {
  return std::none_of(exclude_schemas.begin(), exclude_schemas.end(),
                      [&](const auto& pattern) { return wildcard_match(pattern, schema); });
}

namespace {

// The tables pgshift considers: plain and partitioned, not the catalogs', not an extension's,
// not its own state.
const std::string kUserTablesFrom = R"SQL(
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgshift')
      AND n.nspname !~ '^pg_(toast|temp)'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                        AND d.objid = c.oid AND d.deptype = 'e')
    ORDER BY n.nspname, c.relname)SQL";

// Every table pgshift could copy, in (schema, name) order; read_tables' candidates. A table never
// vacuumed or analyzed has no row count (reltuples -1): its rows are estimated from its pages the
// way the planner does, with 32 bytes for each variable-width column (sampling its keys depends
// on the estimate).
const std::string kTablesSql = R"SQL(
    SELECT c.oid, n.nspname, c.relname, c.relkind = 'p', c.relispartition,
           pg_relation_size(c.oid) + COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0),
           pg_indexes_size(c.oid),
           CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint
                ELSE (pg_relation_size(c.oid) / current_setting('block_size')::bigint *
                      ((current_setting('block_size')::bigint - 24) /
                       (28 + COALESCE((SELECT sum(CASE WHEN a.attlen > 0 THEN a.attlen ELSE 32 END)
                                       FROM pg_catalog.pg_attribute a
                                       WHERE a.attrelid = c.oid AND a.attnum > 0
                                         AND NOT a.attisdropped), 0))))::bigint END,
           c.relpages)SQL" + kUserTablesFrom;

// The same tables by name only: no relation sizes (a stat per file), for callers that need none.
const std::string kTableNamesSql =
    "SELECT c.oid, n.nspname, c.relname, c.relkind = 'p'" + kUserTablesFrom;

}  // namespace

Task<Result<std::vector<std::pair<std::string, std::string>>>> read_table_names(
    Connection& connection) {
  auto result = co_await connection.query(kTableNamesSql);
  if (!result) co_return fail(result.error());
  std::vector<std::pair<std::string, std::string>> out;
  for (int row = 0; row < result->rows(); ++row)
    out.emplace_back(result->text(row, 1), result->text(row, 2));
  co_return out;
}

Task<Result<std::vector<std::pair<std::string, std::string>>>> read_selected_row_tables(
    Connection& connection, const TableFilter& filter) {
  auto result = co_await connection.query(kTableNamesSql);
  if (!result) co_return fail(result.error());
  std::vector<std::pair<std::string, std::string>> out;
  for (int row = 0; row < result->rows(); ++row) {
    if (result->boolean(row, 3) || !filter.accepts(result->text(row, 1), result->text(row, 2))) {
      continue;
    }
    out.emplace_back(result->text(row, 1), result->text(row, 2));
  }
  co_return out;
}

Task<Result<std::vector<Table>>> read_tables(Connection& connection, const TableFilter& filter,
                                             bool allow_text_only_types) {
  auto tables_result = co_await connection.query(kTablesSql);
  if (!tables_result) co_return fail(tables_result.error());
  std::vector<Table> tables;
  std::map<std::uint32_t, std::size_t> by_oid;
  for (int row = 0; row < tables_result->rows(); ++row) {
    Table table;
    table.oid = static_cast<std::uint32_t>(tables_result->integer(row, 0));
    table.schema = tables_result->text(row, 1);
    table.name = tables_result->text(row, 2);
    if (!filter.accepts(table.schema, table.name)) continue;
    table.partitioned_parent = tables_result->boolean(row, 3);
    table.is_partition = tables_result->boolean(row, 4);
    table.bytes = tables_result->integer(row, 5);
    table.index_bytes = tables_result->integer(row, 6);
    table.estimated_rows = static_cast<double>(tables_result->integer(row, 7));
    table.pages = tables_result->integer(row, 8);
    by_oid[table.oid] = tables.size();
    tables.push_back(std::move(table));
  }

  auto columns_result = co_await connection.query(R"SQL(
    SELECT a.attrelid, a.attname, a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod),
           a.attgenerated <> '',
           a.attcollation <> 0,
           a.attnum,
           t.typsend <> 0 AND t.typreceive <> 0
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attrelid, a.attnum)SQL");
  if (!columns_result) co_return fail(columns_result.error());
  std::map<std::uint32_t, std::map<long, std::size_t>> attnum_index;
  for (int row = 0; row < columns_result->rows(); ++row) {
    auto it = by_oid.find(static_cast<std::uint32_t>(columns_result->integer(row, 0)));
    if (it == by_oid.end()) continue;
    Table& table = tables[it->second];
    Column column;
    column.name = columns_result->text(row, 1);
    column.type_oid = static_cast<std::uint32_t>(columns_result->integer(row, 2));
    column.type_sql = columns_result->text(row, 3);
    column.generated = columns_result->boolean(row, 4);
    column.collatable = columns_result->boolean(row, 5);
    column.binary_io = columns_result->boolean(row, 7);
    if (!column.generated && !column.binary_io && !allow_text_only_types) {
      co_return fail(ErrorKind::kRefused,
                     "column " + table.schema + "." + table.name + "." + column.name +
                         " has type " + column.type_sql +
                         " without binary send/receive functions; exclude the table "
                         "(--exclude-table) to migrate the rest");
    }
    attnum_index[table.oid][static_cast<long>(columns_result->integer(row, 6))] =
        table.columns.size();
    table.columns.push_back(std::move(column));
  }

  // The key: the primary key, else the narrowest unique, non-partial, NOT NULL column index.
  auto keys_result = co_await connection.query(R"SQL(
    SELECT i.indrelid, ci.relname,
           (SELECT string_agg(i.indkey[s]::text, ' ' ORDER BY s)
            FROM generate_series(0, i.indnkeyatts - 1) s)
    FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ci ON ci.oid = i.indexrelid
    WHERE i.indisunique AND i.indisvalid AND i.indimmediate
      AND i.indpred IS NULL AND i.indexprs IS NULL
      AND NOT EXISTS (SELECT 1 FROM generate_series(0, i.indnkeyatts - 1) s
                      JOIN pg_catalog.pg_attribute a
                        ON a.attrelid = i.indrelid AND a.attnum = i.indkey[s]
                      WHERE NOT a.attnotnull)
    ORDER BY i.indrelid, i.indisprimary DESC, i.indnkeyatts, ci.relname)SQL");
  if (!keys_result) co_return fail(keys_result.error());
  for (int row = 0; row < keys_result->rows(); ++row) {
    auto oid = static_cast<std::uint32_t>(keys_result->integer(row, 0));
    auto it = by_oid.find(oid);
    if (it == by_oid.end()) continue;
    Table& table = tables[it->second];
    if (!table.key.empty()) continue;
    std::vector<std::size_t> key;
    bool usable = true;
    for (auto attnum : parse_attnums(keys_result->text(row, 2))) {
      auto& columns_by_attnum = attnum_index[oid];
      auto found = columns_by_attnum.find(static_cast<long>(attnum));
      if (found == columns_by_attnum.end()) {
        usable = false;
        break;
      }
      key.push_back(found->second);
    }
    if (usable && !key.empty()) {
      table.key = std::move(key);
      table.key_name = keys_result->text(row, 1);
    }
  }
  co_return tables;
}

Task<Result<TypeShapes>> read_type_shapes(Connection& connection) {
  auto result = co_await connection.query(
      "SELECT oid, typtype, typelem, typlen, typbasetype FROM pg_catalog.pg_type");
  if (!result) co_return fail(result.error());
  struct Row {
    char typtype;
    std::uint32_t elem;
    int len;
    std::uint32_t base;
  };
  std::map<std::uint32_t, Row> rows;
  for (int row = 0; row < result->rows(); ++row) {
    rows[static_cast<std::uint32_t>(result->integer(row, 0))] =
        Row{result->text(row, 1)[0], static_cast<std::uint32_t>(result->integer(row, 2)),
            static_cast<int>(result->integer(row, 3)),
            static_cast<std::uint32_t>(result->integer(row, 4))};
  }
  TypeShapes shapes;
  for (const auto& [oid, row] : rows) {
    // Domains look like their base type on the wire.
    std::uint32_t resolved = oid;
    for (int depth = 0; depth < 16; ++depth) {
      auto it = rows.find(resolved);
      if (it == rows.end() || it->second.typtype != 'd') break;
      resolved = it->second.base;
    }
    if (resolved != oid) shapes.set_base(oid, resolved);
    const Row& base = rows.count(resolved) ? rows[resolved] : row;
    if (resolved == kFloat4Oid) {
      shapes.set(oid, ValueKind::kFloat4);
    } else if (resolved == kFloat8Oid) {
      shapes.set(oid, ValueKind::kFloat8);
    } else if (base.typtype == 'c' || resolved == kRecordOid) {
      shapes.set(oid, ValueKind::kRecord);
    } else if (base.elem != 0 && base.len == -1) {
      shapes.set(oid, ValueKind::kArray);
    }
  }
  co_return shapes;
}

Task<Result<std::map<std::uint32_t, std::string>>> read_user_type_names(Connection& connection) {
  auto result = co_await connection.query(
      "SELECT t.oid, n.nspname || '.' || t.typname FROM pg_catalog.pg_type t "
      "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE t.oid >= 16384");
  if (!result) co_return fail(result.error());
  std::map<std::uint32_t, std::string> names;
  for (int row = 0; row < result->rows(); ++row) {
    names[static_cast<std::uint32_t>(result->integer(row, 0))] = result->text(row, 1);
  }
  co_return names;
}

Task<Result<std::vector<KeyValue>>> sample_keys(Connection& connection, const Table& table,
                                                int rows) {
  std::string columns, select, order;
  for (std::size_t i = 0; i < table.key.size(); ++i) {
    const Column& column = table.columns[table.key[i]];
    // Qualified: a bare name in ORDER BY would bind to the ::text output column and sort as text.
    std::string name = "sampled." + pg::quote_identifier(column.name);
    columns += (i ? ", " : "") + name;
    select += (i ? ", " : "") + name + "::text";
    order += (i ? ", " : "") + name + (column.collatable ? " COLLATE \"C\"" : "");
  }
  double estimated = std::max(table.estimated_rows, 1.0);
  double percent = std::min(100.0, 100.0 * rows / estimated);
  std::vector<KeyValue> sample;
  for (const char* method : {"SYSTEM", "BERNOULLI"}) {
    char percent_text[32];
    std::snprintf(percent_text, sizeof percent_text, "%.6f", percent);
    // At most `rows` x 4 keys whatever the estimate said: a table much larger than its estimate
    // must not come back whole (memory, and a sort of every key).
    auto result = co_await connection.query(
        "SELECT " + select + " FROM (SELECT " + columns + " FROM ONLY " +
        pg::qualified_name(table) + " AS sampled TABLESAMPLE " + method + " (" + percent_text +
        ") ORDER BY random() LIMIT " + std::to_string(static_cast<long long>(rows) * 4) +
        ") sampled ORDER BY " + order);
    if (!result) co_return fail(result.error());
    sample.clear();
    for (int row = 0; row < result->rows(); ++row) {
      KeyValue value;
      for (int column = 0; column < result->columns(); ++column) {
        value.push_back(result->text(row, column));
      }
      sample.push_back(std::move(value));
    }
    if (static_cast<int>(sample.size()) >= rows / 4) break;
    percent = std::min(100.0, percent * 4);
  }
  co_return sample;
}

Task<Result<std::vector<TableDdl>>> read_table_ddl(Connection& connection) {
  // Plain tables only: partitions and partitioned parents keep pg_dump's own ordering
  // (ON ONLY + INDEX ATTACH), so their indexes go through pg_restore.
  auto result = co_await connection.query(R"SQL(
    WITH plain AS (
      SELECT c.oid FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgshift')
        AND n.nspname !~ '^pg_(toast|temp)')
    SELECT i.indrelid, i.indexrelid, 1259, 'index', ci.relname,
           pg_catalog.pg_get_indexdef(i.indexrelid), 0::oid
    FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ci ON ci.oid = i.indexrelid
    WHERE i.indrelid IN (SELECT oid FROM plain)
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid
                        AND k.contype IN ('p', 'u', 'x'))
    UNION ALL
    SELECT k.conrelid, k.oid, 2606,
           CASE WHEN k.contype = 'f' THEN 'foreign_key' ELSE 'constraint' END, k.conname,
           'ALTER TABLE ONLY ' || k.conrelid::pg_catalog.regclass::text || ' ADD CONSTRAINT '
             || pg_catalog.quote_ident(k.conname) || ' '
             || pg_catalog.pg_get_constraintdef(k.oid), k.confrelid
    FROM pg_catalog.pg_constraint k
    WHERE k.conrelid IN (SELECT oid FROM plain) AND k.conparentid = 0
      AND (k.contype IN ('p', 'u', 'x')
           OR (k.contype = 'f' AND k.confrelid IN (SELECT oid FROM plain)))
    ORDER BY 1, 4 DESC, 5)SQL");
  if (!result) co_return fail(result.error());
  std::vector<TableDdl> out;
  for (int row = 0; row < result->rows(); ++row) {
    TableDdl ddl;
    ddl.table_oid = static_cast<std::uint32_t>(result->integer(row, 0));
    ddl.object_oid = static_cast<std::uint32_t>(result->integer(row, 1));
    ddl.catalog_oid = static_cast<std::uint32_t>(result->integer(row, 2));
    ddl.kind = result->text(row, 3);
    ddl.name = result->text(row, 4);
    ddl.sql = result->text(row, 5);
    ddl.referenced_table_oid = static_cast<std::uint32_t>(result->integer(row, 6));
    out.push_back(std::move(ddl));
  }
  co_return out;
}

Task<Result<std::vector<SequenceValue>>> read_sequence_values(
    Connection& connection, const std::vector<std::string>& qualified_names) {
  std::vector<SequenceValue> out;
  std::string union_query;
  for (const auto& name : qualified_names) {
    if (!union_query.empty()) union_query += " UNION ALL ";
    union_query += "SELECT " + std::to_string(out.size()) + ", last_value, is_called FROM " + name;
    out.push_back(SequenceValue{name});
  }
  if (out.empty()) co_return out;
  auto values = co_await connection.query(union_query);
  if (!values) co_return fail(std::move(values.error()).within("reading sequence values"));
  for (int row = 0; row < values->rows(); ++row) {
    auto& value = out[static_cast<std::size_t>(values->integer(row, 0))];
    value.last_value = values->integer(row, 1);
    value.is_called = values->boolean(row, 2);
  }
  co_return out;
}

Task<Result<std::vector<std::uint32_t>>> read_large_object_oids(Connection& connection) {
  auto result =
      co_await connection.query("SELECT oid FROM pg_catalog.pg_largeobject_metadata ORDER BY oid");
  if (!result) co_return fail(result.error());
  std::vector<std::uint32_t> out;
  for (int row = 0; row < result->rows(); ++row) {
    out.push_back(static_cast<std::uint32_t>(result->integer(row, 0)));
  }
  co_return out;
}

}  // namespace pgshift::pg
