#include "engine/assess/sqlite_reader.hpp"

#include <charconv>
#include <filesystem>
#include <map>

#include "connectors/sqlite/sqlite_database.hpp"
#include "engine/plan/sqlite_source_planner.hpp"

namespace pgshift::assess {
namespace {

bool date_like(sqlite::TargetKind kind) {
  return kind == sqlite::TargetKind::kDate || kind == sqlite::TargetKind::kTimestamp ||
         kind == sqlite::TargetKind::kTimestamptz;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

SqliteColumnFacts column_facts(const sqlite::SourceColumn& column, const sqlite::ColumnFit* fit,
                               const sqlite::TypeMappingOptions& types) {
  SqliteColumnFacts out;
  out.name = column.name;
  out.declared = column.mapping.declared;
  out.affinity = std::string(sqlite::affinity_name(column.mapping.affinity));
  out.pg_type = column.target.type.sql;
  out.cast = column.overridden;
  out.retyped_to_text = !column.retyped_from.empty();
  out.mapped_type = out.retyped_to_text ? column.retyped_from : out.pg_type;
  // The declared type's own note: the column's note may since carry the epoch rule or the retyping.
  if (!column.overridden) out.mapping_note = sqlite::map_declared_type(out.declared, types).note;
  out.not_null = column.not_null;
  out.identity = column.identity;
  out.generated = column.generated;
  out.date_like = date_like(column.target.type.kind);
  if (column.sampled_epoch_unit) {
    out.epoch_unit = std::string(sqlite::epoch_unit_name(*column.sampled_epoch_unit));
  }
  out.epoch_sampled_integers = column.epoch_sampled_integers;
  out.epoch_sampled_reals = column.epoch_sampled_reals;
  out.epoch_conflict = column.epoch_conflict;
  if (fit) {
    out.refused = fit->refused;
    out.first_refused = fit->first;
    out.refused_as_text = fit->refused_as_text;
    out.first_refused_as_text = fit->first_as_text;
  }
  return out;
}

SqliteTableFacts table_facts(const Table& model, const sqlite::SourceTable& source,
                             const sqlite::TableScan* scan, int chunks,
                             const sqlite::CatalogIndex* clustered,
                             const sqlite::TypeMappingOptions& types) {
  SqliteTableFacts out;
  out.schema = model.schema;
  out.name = model.name;
  out.bytes = model.bytes;
  out.index_bytes = model.index_bytes;
  out.without_rowid = source.without_rowid;
  out.autoincrement = source.autoincrement;
  out.rowid_key = source.rowid_alias.has_value();
  if (source.key_column) out.key = source.columns[*source.key_column].name;
  switch (source.range) {
    case sqlite::SourceTable::Range::kKey:
      out.chunking = "key ranges";
      break;
    case sqlite::SourceTable::Range::kRowid:
      out.chunking = "rowid ranges";
      break;
    case sqlite::SourceTable::Range::kWhole:
      out.chunking = "whole table";
      break;
  }
  if (clustered) out.clustered_on = clustered->name;
  for (std::size_t index : source.primary_key) {
    out.primary_key.push_back(source.columns[index].name);
  }
  out.chunks = chunks;
  for (const auto& index : source.indexes) {
    SqliteIndexFacts facts;
    facts.name = index.name;
    facts.unique = index.unique;
    facts.partial = index.partial;
    for (const auto& column : index.columns) facts.expression = facts.expression || column.empty();
    facts.kind = index.origin == "pk" ? "primary key" : index.origin == "u" ? "unique" : "index";
    facts.columns = index.columns;
    out.indexes.push_back(std::move(facts));
  }
  for (const auto& key : source.foreign_keys) {
    bool implicit = true;
    for (const auto& name : key.to) implicit = implicit && name.empty();
    out.foreign_keys.push_back("(" + joined(key.from) + ") -> " + key.parent +
                               (implicit ? "" : " (" + joined(key.to) + ")"));
  }
  if (source.parsed) {
    out.checks = static_cast<int>(source.parsed->checks.size());
    for (const auto& column : source.parsed->columns) {
      out.checks += static_cast<int>(column.checks.size());
    }
  }
  std::map<std::string, const sqlite::ColumnFit*> fits;
  if (scan) {
    out.rows = scan->rows;
    out.scan_seconds = scan->seconds;
    for (const auto& fit : scan->columns) fits[fit.column] = &fit;
  }
  for (const auto& column : source.columns) {
    auto it = fits.find(column.name);
    out.columns.push_back(column_facts(column, it == fits.end() ? nullptr : it->second, types));
  }
  return out;
}

std::int64_t file_size(const std::string& path) {
  std::error_code error;
  auto size = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<std::int64_t>(size);
}

// Page size, journal mode and the objects the translation leaves out, from the file itself.
Status read_file_settings(const std::string& path, SqliteFileFacts& facts) {
  auto db = sqlite::open_read_only(path);
  if (!db) return fail(db.error());
  auto page_size = sqlite::query_text(db->get(), "PRAGMA page_size");
  if (!page_size) return fail(page_size.error());
  if (*page_size) {
    std::from_chars((*page_size)->data(), (*page_size)->data() + (*page_size)->size(),
                    facts.page_size);
  }
  auto journal = sqlite::query_text(db->get(), "PRAGMA journal_mode");
  if (!journal) return fail(journal.error());
  facts.journal_mode = journal->value_or("");
  auto objects = sqlite::prepare(db->get(),
                                 "SELECT type, name, tbl_name, "
                                 "upper(substr(coalesce(sql, ''), 1, 20)) = 'CREATE VIRTUAL TABLE' "
                                 "FROM sqlite_master ORDER BY name");
  if (!objects) return fail(objects.error());
  while (true) {
    auto row = sqlite::step(db->get(), objects->get());
    if (!row) return fail(row.error());
    if (!*row) break;
    std::string type = sqlite::column_text(objects->get(), 0);
    std::string name = sqlite::column_text(objects->get(), 1);
    if (type == "view") facts.views.push_back(name);
    if (type == "trigger") {
      facts.triggers.push_back(name + " on " + sqlite::column_text(objects->get(), 2));
    }
    if (type == "table" && sqlite3_column_int(objects->get(), 3) != 0) {
      facts.virtual_tables.push_back(name);
    }
  }
  return {};
}

}  // namespace

Result<SqliteFileFacts> read_sqlite_facts(const std::string& path,
                                          const sqlite::SourceOptions& options,
                                          const plan::PlannerOptions& planner) {
  sqlite::SourceOptions assessing = options;
  assessing.assess = true;
  auto read = sqlite::read_source(path, assessing);
  if (!read) return fail(read.error());
  const sqlite::SqliteSource& source = **read;
  auto chunks = plan::plan_sqlite_source_chunks(source, planner);
  if (!chunks) return fail(chunks.error());
  std::vector<int> chunk_count(source.schema.tables.size(), 0);
  for (const auto& chunk : *chunks) ++chunk_count[chunk.table_index];

  SqliteFileFacts facts;
  facts.path = path;
  facts.file_bytes = file_size(path);
  facts.wal_bytes = file_size(path + "-wal");
  facts.sqlite_version = sqlite3_libversion();
  if (auto settings = read_file_settings(path, facts); !settings) return fail(settings.error());
  facts.schema_warnings = source.schema.warnings;
  sqlite::TypeMappingOptions types;
  types.timestamptz = options.timestamptz;
  for (std::size_t i = 0; i < source.schema.tables.size(); ++i) {
    const sqlite::TableScan* scan = i < source.scans.size() ? &source.scans[i] : nullptr;
    facts.tables.push_back(table_facts(source.schema.tables[i], source.schema.sources[i], scan,
                                       chunk_count[i], sqlite::clustered_on(source, i), types));
  }
  return facts;
}

}  // namespace pgshift::assess
