#include "connectors/sqlite/schema_reader.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <map>
#include <set>
#include <thread>

#include "connectors/sqlite/btree_census.hpp"
#include "connectors/sqlite/epoch_unit.hpp"
#include "connectors/sqlite/schema_ddl.hpp"
#include "connectors/sqlite/sqlite_database.hpp"
#include "engine/core/ascii_text.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sqlite {
namespace {

struct MasterEntry {
  std::string type, name, table, sql;
};

Result<StatementHandle> prepare_with(sqlite3* db, std::string_view sql, std::string_view text) {
  auto statement = prepare(db, sql);
  if (!statement) return statement;
  sqlite3_bind_text(statement->get(), 1, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return statement;
}

std::optional<std::string> optional_text(sqlite3_stmt* statement, int index) {
  if (sqlite3_column_type(statement, index) == SQLITE_NULL) return std::nullopt;
  return column_text(statement, index);
}

bool date_like(TargetKind kind) {
  return kind == TargetKind::kDate || kind == TargetKind::kTimestamp ||
         kind == TargetKind::kTimestamptz;
}

bool integer_kind(TargetKind kind) {
  return kind == TargetKind::kInt2 || kind == TargetKind::kInt4 || kind == TargetKind::kInt8;
}

Result<std::vector<MasterEntry>> read_master(sqlite3* db) {
  auto statement = prepare(db,
                           "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master "
                           "ORDER BY name");
  if (!statement) return fail(statement.error());
  std::vector<MasterEntry> entries;
  while (true) {
    auto row = step(db, statement->get());
    if (!row) return fail(row.error());
    if (!*row) break;
    entries.push_back({column_text(statement->get(), 0), column_text(statement->get(), 1),
                       column_text(statement->get(), 2), column_text(statement->get(), 3)});
  }
  return entries;
}

// Names of shadow tables (of virtual tables) per PRAGMA table_list (SQLite 3.37+).
std::set<std::string> shadow_tables(sqlite3* db) {
  std::set<std::string> out;
  auto statement = prepare(db,
                           "SELECT name FROM pragma_table_list WHERE schema = 'main' AND "
                           "type = 'shadow'");
  if (!statement) return out;
  while (auto row = step(db, statement->get())) {
    if (!*row) break;
    out.insert(column_text(statement->get(), 0));
  }
  return out;
}

Status read_columns(sqlite3* db, SourceTable& table, const SchemaOptions& options,
                    std::vector<std::string>& warnings) {
  auto statement = prepare_with(
      db, "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1)",
      table.name);
  if (!statement) return fail(statement.error());
  std::vector<std::pair<int, std::size_t>> key_positions;
  while (true) {
    auto row = step(db, statement->get());
    if (!row) return fail(row.error());
    if (!*row) break;
    sqlite3_stmt* s = statement->get();
    int hidden = sqlite3_column_int(s, 5);
    if (hidden == 1) continue;  // hidden column of a virtual table
    SourceColumn column;
    column.name = column_text(s, 0);
    column.mapping = map_declared_type(column_text(s, 1), options.types);
    if (const CastOverride* cast = find_override(options.casts, table.name, column.name)) {
      column.mapping.type = cast->type;
      column.mapping.note = "--cast: " + cast->type.sql;
      column.overridden = true;
    }
    column.not_null = sqlite3_column_int(s, 2) != 0;
    column.sqlite_default = optional_text(s, 3);
    column.sqlite_generated = hidden == 2 || hidden == 3;
    column.target.type = column.mapping.type;
    column.target.naive_utc_offset_seconds = options.naive_utc_offset_seconds;
    int pk = sqlite3_column_int(s, 4);
    if (pk > 0) key_positions.emplace_back(pk, table.columns.size());
    table.columns.push_back(std::move(column));
  }
  if (table.columns.empty()) return fail(ErrorKind::kRuntime, "no columns");
  std::sort(key_positions.begin(), key_positions.end());
  for (auto [position, index] : key_positions) table.primary_key.push_back(index);
  for (const auto& cast : options.casts) {
    if (!iequals(cast.table, table.name)) continue;
    bool found = std::any_of(table.columns.begin(), table.columns.end(),
                             [&](const SourceColumn& c) { return iequals(c.name, cast.column); });
    if (!found)
      warnings.push_back("table " + table.name + ": --cast names no column " + cast.column);
  }
  return {};
}

Status read_indexes(sqlite3* db, SourceTable& table) {
  auto list = prepare_with(
      db, "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1) ORDER BY name",
      table.name);
  if (!list) return fail(list.error());
  while (true) {
    auto row = step(db, list->get());
    if (!row) return fail(row.error());
    if (!*row) break;
    CatalogIndex index;
    index.name = column_text(list->get(), 0);
    index.unique = sqlite3_column_int(list->get(), 1) != 0;
    index.origin = column_text(list->get(), 2);
    index.partial = sqlite3_column_int(list->get(), 3) != 0;
    table.indexes.push_back(std::move(index));
  }
  for (auto& index : table.indexes) {
    auto info = prepare_with(db,
                             "SELECT coalesce(name, ''), coalesce(coll, '') FROM "
                             "pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno",
                             index.name);
    if (!info) return fail(info.error());
    while (true) {
      auto row = step(db, info->get());
      if (!row) return fail(row.error());
      if (!*row) break;
      index.columns.push_back(column_text(info->get(), 0));
      index.collations.push_back(column_text(info->get(), 1));
    }
    if (index.origin == "c") {
      auto sql = prepare_with(
          db, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1", index.name);
      if (!sql) return fail(sql.error());
      auto row = step(db, sql->get());
      if (!row) return fail(row.error());
      if (*row) index.sql = column_text(sql->get(), 0);
    }
  }
  return {};
}

// The PRAGMA does not report CONSTRAINT names: each key takes the name of the declaration with its
// parent and columns. The PRAGMA lists keys last-declared first, so walking it backwards pairs
// even two declarations of the same parent and columns in their order.
void name_foreign_keys(SourceTable& table) {
  if (!table.parsed) return;
  const auto& declared = table.parsed->foreign_keys;
  std::vector<bool> taken(declared.size(), false);
  for (auto key = table.foreign_keys.rbegin(); key != table.foreign_keys.rend(); ++key) {
    for (std::size_t i = 0; i < declared.size(); ++i) {
      if (taken[i] || !iequals(declared[i].parent, key->parent) ||
          declared[i].columns.size() != key->from.size() ||
          !std::equal(key->from.begin(), key->from.end(), declared[i].columns.begin(),
                      [](const std::string& a, const std::string& b) { return iequals(a, b); })) {
        continue;
      }
      taken[i] = true;
      key->name = declared[i].name;
      break;
    }
  }
}

Status read_foreign_keys(sqlite3* db, SourceTable& table) {
  auto statement = prepare_with(db,
                                "SELECT id, \"table\", \"from\", coalesce(\"to\", ''), on_update, "
                                "on_delete, \"match\" FROM pragma_foreign_key_list(?1) "
                                "ORDER BY id, seq",
                                table.name);
  if (!statement) return fail(statement.error());
  int current = -1;
  while (true) {
    auto row = step(db, statement->get());
    if (!row) return fail(row.error());
    if (!*row) break;
    sqlite3_stmt* s = statement->get();
    int id = sqlite3_column_int(s, 0);
    if (id != current) {
      current = id;
      table.foreign_keys.push_back(CatalogForeignKey{
          column_text(s, 1), {}, {}, column_text(s, 4), column_text(s, 5), column_text(s, 6)});
    }
    table.foreign_keys.back().from.push_back(column_text(s, 2));
    table.foreign_keys.back().to.push_back(column_text(s, 3));
  }
  name_foreign_keys(table);
  return {};
}

// A name for the hidden rowid that no column hides, or "" when all three are taken.
std::string free_rowid_name(const SourceTable& table) {
  for (std::string_view candidate : {"rowid", "_rowid_", "oid"}) {
    bool taken = std::any_of(table.columns.begin(), table.columns.end(),
                             [&](const SourceColumn& c) { return iequals(c.name, candidate); });
    if (!taken) return std::string(candidate);
  }
  return {};
}

void choose_key(SourceTable& table, Table& model) {
  if (!table.without_rowid) table.rowid_name = free_rowid_name(table);
  bool pk_index = std::any_of(table.indexes.begin(), table.indexes.end(),
                              [](const CatalogIndex& index) { return index.origin == "pk"; });
  if (!table.without_rowid && table.primary_key.size() == 1 && !pk_index) {
    table.rowid_alias = table.primary_key[0];
    SourceColumn& alias = table.columns[*table.rowid_alias];
    alias.identity = integer_kind(alias.target.type.kind);
    alias.not_null = true;
  }
  if (table.primary_key.size() == 1 &&
      integer_kind(table.columns[table.primary_key[0]].target.type.kind)) {
    table.range = SourceTable::Range::kKey;
    table.key_column = table.primary_key[0];
    model.key = {table.primary_key[0]};
    return;
  }
  if (!table.rowid_name.empty()) table.range = SourceTable::Range::kRowid;
}

Status sample_epoch_units(sqlite3* db, SourceTable& table, const SchemaOptions& options) {
  for (auto& column : table.columns) {
    if (!date_like(column.target.type.kind) || options.epoch_sample_size <= 0) continue;
    std::string quoted = pg::quote_identifier(column.name);
    std::string from = pg::quote_identifier(table.name);
    std::string limit = std::to_string(options.epoch_sample_size * 10);
    std::string sample_size = std::to_string(options.epoch_sample_size);
    // At most 10x the sample size of rows from each end (each row once), so a column without
    // numbers costs little on a large table.
    std::string query;
    if (!table.rowid_name.empty()) {
      const std::string& rowid = table.rowid_name;
      query = "SELECT " + quoted + " FROM " + from + " WHERE " + rowid + " IN (SELECT " + rowid +
              " FROM (SELECT " + rowid + " FROM " + from + " ORDER BY " + rowid + " LIMIT " +
              limit + ") UNION SELECT " + rowid + " FROM (SELECT " + rowid + " FROM " + from +
              " ORDER BY " + rowid + " DESC LIMIT " + limit + ")) AND typeof(" + quoted +
              ") IN ('integer', 'real') LIMIT " + std::to_string(options.epoch_sample_size * 2);
    } else {
      query = "SELECT " + quoted + " FROM (SELECT " + quoted + " FROM " + from + " LIMIT " + limit +
              ") WHERE typeof(" + quoted + ") IN ('integer', 'real') LIMIT " + sample_size;
    }
    std::vector<std::int64_t> sample;
    std::size_t reals = 0;
    auto statement = prepare(db, query);
    if (!statement) return fail(statement.error());
    while (true) {
      auto row = step(db, statement->get());
      if (!row) return fail(row.error());
      if (!*row) break;
      if (sqlite3_column_type(statement->get(), 0) == SQLITE_FLOAT) {
        ++reals;
      } else {
        sample.push_back(sqlite3_column_int64(statement->get(), 0));
      }
    }
    column.epoch_sampled_integers = sample.size();
    column.epoch_sampled_reals = reals;
    auto unit = decide_epoch_unit(sample, reals);
    if (!unit && !options.epoch_conflict_is_error) {
      column.epoch_conflict = unit.error().message;
      continue;
    }
    if (!unit) {
      return fail(
          Error{ErrorKind::kRefused,
                "table " + table.name + " column " + column.name + ": " + unit.error().message,
                {},
                false});
    }
    column.sampled_epoch_unit = *unit;
    column.target.epoch_unit = unit->value_or(EpochUnit::kSeconds);
    if (*unit) {
      std::string note = "integers read as " + std::string(epoch_unit_name(**unit)) + " (from " +
                         std::to_string(sample.size()) + " sampled integers, " +
                         std::to_string(reals) + " reals)";
      column.mapping.note = column.mapping.note.empty() ? note : column.mapping.note + "; " + note;
    }
  }
  return {};
}

std::int64_t to_int64(const std::optional<std::string>& text) {
  std::int64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

std::optional<std::vector<BtreeRoot>> btree_roots(sqlite3* db) {
  auto names = prepare(db, "SELECT name, rootpage FROM sqlite_schema WHERE rootpage > 0");
  if (!names) return std::nullopt;
  std::vector<BtreeRoot> roots;
  while (true) {
    auto row = step(db, names->get());
    if (!row) return std::nullopt;
    if (!*row) break;
    roots.push_back({column_text(names->get(), 0),
                     static_cast<std::uint32_t>(sqlite3_column_int64(names->get(), 1))});
  }
  return roots;
}

std::optional<BtreeSize> dbstat_size(sqlite3* db, const std::string& btree) {
  auto statement = prepare(db,
                           "SELECT sum(pgsize), count(*), "
                           "sum(CASE WHEN pagetype = 'leaf' THEN ncell ELSE 0 END), "
                           "sum(CASE WHEN pagetype = 'overflow' THEN 0 ELSE ncell END) "
                           "FROM dbstat('main') WHERE name = ?1");
  if (!statement) return std::nullopt;
  sqlite3_stmt* s = statement->get();
  if (sqlite3_bind_text(s, 1, btree.data(), static_cast<int>(btree.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    return std::nullopt;
  }
  auto row = step(db, s);
  if (!row || !*row) return std::nullopt;
  return BtreeSize{sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                   sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3)};
}

// The fallback when the census cannot read the file (btree_census.hpp): dbstat walks every page and
// parses every cell, a few hundred milliseconds for a few hundred MB. Each b-tree is walked on its
// own (dbstat's name constraint visits only that tree), over one read-only connection per core.
std::optional<std::map<std::string, BtreeSize>> dbstat_sizes(sqlite3* db,
                                                             const std::vector<BtreeRoot>& roots) {
  std::vector<std::string> btrees;
  for (const auto& root : roots) btrees.push_back(root.name);
  const char* file = sqlite3_db_filename(db, "main");
  std::string path = file ? file : "";
  std::size_t walkers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1,
                                                std::min<std::size_t>(4, btrees.size()));
  std::vector<std::optional<BtreeSize>> sizes(btrees.size());
  std::atomic<std::size_t> next{0};
  auto walk = [&](sqlite3* connection) {
    for (std::size_t i = next++; i < btrees.size(); i = next++) {
      sizes[i] = dbstat_size(connection, btrees[i]);
    }
  };
  std::vector<std::thread> helpers;
  std::vector<DatabaseHandle> connections;
  for (std::size_t i = 1; i < walkers && !path.empty(); ++i) {
    auto opened = open_read_only(path);
    if (!opened) break;
    connections.push_back(std::move(*opened));
  }
  for (auto& connection : connections) helpers.emplace_back(walk, connection.get());
  walk(db);
  for (auto& helper : helpers) helper.join();
  std::map<std::string, BtreeSize> out;
  for (std::size_t i = 0; i < btrees.size(); ++i) {
    if (!sizes[i]) return std::nullopt;
    out[btrees[i]] = *sizes[i];
  }
  return out;
}

Status estimate_sizes(sqlite3* db, SqliteSchema& schema, const SchemaOptions& options,
                      const std::vector<MasterEntry>& master) {
  std::optional<std::map<std::string, BtreeSize>> sizes;
  if (options.measure_btrees) {
    auto roots = btree_roots(db);
    if (roots) {
      const char* file = sqlite3_db_filename(db, "main");
      if (file && *file) sizes = census_btrees(file, *roots);
      if (!sizes) sizes = dbstat_sizes(db, *roots);
    }
  }
  if (sizes) {
    for (std::size_t i = 0; i < schema.tables.size(); ++i) {
      Table& table = schema.tables[i];
      const BtreeSize& own = (*sizes)[table.name];
      table.bytes = own.bytes;
      table.pages = own.pages;
      table.estimated_rows =
          static_cast<double>(schema.sources[i].without_rowid ? own.all_cells : own.leaf_cells);
      for (const auto& entry : master) {
        if (entry.type == "index" && entry.table == table.name) {
          table.index_bytes += (*sizes)[entry.name].bytes;
        }
      }
    }
    return {};
  }
  auto page_size = query_text(db, "PRAGMA page_size");
  auto page_count = query_text(db, "PRAGMA page_count");
  if (!page_size) return fail(page_size.error());
  if (!page_count) return fail(page_count.error());
  std::int64_t page_bytes = to_int64(*page_size);
  double file_bytes = static_cast<double>(page_bytes) * static_cast<double>(to_int64(*page_count));
  double total_rows = 0;
  for (std::size_t i = 0; i < schema.tables.size(); ++i) {
    const SourceTable& source = schema.sources[i];
    std::string from = pg::quote_identifier(source.name);
    std::string sql;
    if (source.rowid_alias || !source.rowid_name.empty()) {
      std::string rowid = source.rowid_alias
                              ? pg::quote_identifier(source.columns[*source.rowid_alias].name)
                              : source.rowid_name;
      sql = "SELECT coalesce(max(" + rowid + ") - min(" + rowid + ") + 1, 0) FROM " + from;
    } else {
      sql = "SELECT count(*) FROM " + from;
    }
    auto rows = query_text(db, sql);
    if (!rows) return fail(rows.error());
    schema.tables[i].estimated_rows =
        static_cast<double>(std::max<std::int64_t>(0, to_int64(*rows)));
    total_rows += schema.tables[i].estimated_rows;
  }
  for (auto& table : schema.tables) {
    table.bytes = total_rows > 0
                      ? static_cast<std::int64_t>(file_bytes * table.estimated_rows / total_rows)
                      : 0;
    table.pages = page_bytes > 0 ? table.bytes / page_bytes : 0;
  }
  return {};
}

Result<std::optional<std::int64_t>> read_sequence(sqlite3* db, const std::string& table,
                                                  bool has_sequence_table) {
  if (!has_sequence_table) return std::optional<std::int64_t>();
  auto statement = prepare_with(db, "SELECT seq FROM sqlite_sequence WHERE name = ?1", table);
  if (!statement) return fail(statement.error());
  auto row = step(db, statement->get());
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(sqlite3_column_int64(statement->get(), 0));
}

}  // namespace

Result<SqliteSchema> read_catalog(sqlite3* db, const SchemaOptions& options) {
  auto master = read_master(db);
  if (!master) return fail(master.error());
  std::set<std::string> shadows = shadow_tables(db);
  bool has_sequence_table = false;
  SqliteSchema schema;
  for (const auto& entry : *master) {
    if (entry.type == "table" && entry.name == "sqlite_sequence") has_sequence_table = true;
    if (entry.type == "view") schema.warnings.push_back("view " + entry.name + " is not migrated");
    if (entry.type == "trigger") {
      schema.warnings.push_back("trigger " + entry.name + " on " + entry.table +
                                " is not migrated");
    }
  }
  for (const auto& entry : *master) {
    if (entry.type != "table" || entry.name.starts_with("sqlite_")) continue;
    if (shadows.contains(entry.name)) continue;
    if (options.include_table && !options.include_table(entry.name)) continue;
    if (entry.sql.size() >= 20 &&
        iequals(std::string_view(entry.sql).substr(0, 20), "CREATE VIRTUAL TABLE")) {
      schema.warnings.push_back("virtual table " + entry.name + " is not migrated");
      continue;
    }
    auto parsed = parse_create_table(entry.sql);
    SourceTable source;
    source.name = entry.name;
    if (parsed) {
      source.without_rowid = parsed->without_rowid;
      source.parsed = std::move(*parsed);
    } else {
      schema.warnings.push_back("table " + entry.name + ": " + parsed.error().message +
                                " (CHECK constraints and collations not read)");
    }
    auto where = [&](Error error) { return std::move(error).within("table " + entry.name); };
    if (auto read = read_columns(db, source, options, schema.warnings); !read) {
      return fail(where(read.error()));
    }
    if (auto read = read_indexes(db, source); !read) return fail(where(read.error()));
    if (auto read = read_foreign_keys(db, source); !read) return fail(where(read.error()));
    auto sequence = read_sequence(db, source.name, has_sequence_table);
    if (!sequence) return fail(where(sequence.error()));
    source.sequence = *sequence;
    if (source.parsed) {
      for (auto& column : source.columns) {
        for (const auto& parsed_column : source.parsed->columns) {
          if (iequals(parsed_column.name, column.name)) column.collation = parsed_column.collation;
        }
      }
    }

    Table model;
    model.oid = static_cast<std::uint32_t>(schema.tables.size() + 1);
    model.schema = options.target_schema;
    model.name = source.name;
    choose_key(source, model);
    if (source.rowid_alias) {
      int autoincrement = 0;
      const std::string& column = source.columns[*source.rowid_alias].name;
      if (sqlite3_table_column_metadata(db, "main", source.name.c_str(), column.c_str(), nullptr,
                                        nullptr, nullptr, nullptr, &autoincrement) == SQLITE_OK) {
        source.autoincrement = autoincrement != 0;
      }
    }
    if (!source.primary_key.empty()) {
      std::string key_name = model.name + "_pkey";
      if (source.parsed) {
        for (const auto& key : source.parsed->keys) {
          if (key.primary && !key.name.empty()) key_name = key.name;
        }
      }
      if (!model.keyless()) model.key_name = key_name;
    }
    if (auto sampled = sample_epoch_units(db, source, options); !sampled) {
      return fail(sampled.error());
    }
    for (const auto& column : source.columns) {
      Column out;
      out.name = column.name;
      out.type_oid = column.target.type.oid;
      out.type_sql = column.target.type.sql;
      out.kind = column.target.type.kind == TargetKind::kFloat8 ? pg::ValueKind::kFloat8
                                                                : pg::ValueKind::kScalar;
      out.collatable = column.target.type.kind == TargetKind::kText ||
                       column.target.type.kind == TargetKind::kVarchar;
      model.columns.push_back(std::move(out));
    }
    for (auto& column : source.columns) column.target.nullable = !column.not_null;
    schema.tables.push_back(std::move(model));
    schema.sources.push_back(std::move(source));
  }
  if (auto sized = estimate_sizes(db, schema, options, *master); !sized) return fail(sized.error());
  return schema;
}

Result<SqliteSchema> read_schema(sqlite3* db, const SchemaOptions& options) {
  auto schema = read_catalog(db, options);
  if (!schema) return schema;
  build_schema_ddl(*schema, options);
  return schema;
}

}  // namespace pgshift::sqlite
