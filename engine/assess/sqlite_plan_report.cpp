#include "engine/assess/sqlite_plan_report.hpp"

#include <algorithm>
#include <cstdio>

namespace pgshift::assess {
namespace {

std::string joined(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string plural(std::size_t count, const char* one, const char* many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

std::string named(const char* kind, const std::vector<std::string>& names) {
  return std::string(kind) + " " + std::to_string(names.size()) +
         (names.empty() ? "" : " (" + name_list(names, 10) + ")");
}

// How the table is keyed, and so chunked and verified.
std::string keying(const SqliteTableFacts& table) {
  std::vector<std::string> parts;
  if (table.without_rowid) parts.push_back("WITHOUT ROWID");
  if (table.autoincrement) parts.push_back("AUTOINCREMENT");
  if (table.rowid_key && !table.key.empty()) {
    parts.push_back("rowid key " + table.key + " (INTEGER PRIMARY KEY)");
  } else if (!table.key.empty()) {
    parts.push_back("integer key " + table.key);
  } else if (table.primary_key.empty()) {
    parts.push_back("keyless (copied and verified as a whole table)");
  } else {
    parts.push_back("keyless for chunks (primary key " + joined(table.primary_key) +
                    " is created; copied and verified as a whole table)");
  }
  return joined(parts);
}

// How migrate orders a keyless table's rows, when it does (sqlite_source.hpp, clustered_on).
std::string clustering(const SqliteTableFacts& table) {
  if (table.clustered_on.empty()) return "";
  if (table.chunks == 1) return ", rows sent in " + table.clustered_on + " order";
  return ", each chunk sorted by " + table.clustered_on + " in batches";
}

std::string index_text(const SqliteIndexFacts& index) {
  if (index.kind == "primary key") return "PRIMARY KEY (" + joined(index.columns) + ")";
  if (index.kind == "unique") return "UNIQUE (" + joined(index.columns) + ")";
  std::vector<std::string> traits;
  if (index.unique) traits.push_back("unique");
  if (index.partial) traits.push_back("partial");
  if (index.expression) traits.push_back("expression");
  return index.name + (traits.empty() ? "" : " (" + joined(traits) + ")");
}

// The parenthesized remarks after a column's mapping.
std::string column_remarks(const SqliteColumnFacts& column) {
  std::vector<std::string> remarks;
  if (column.identity) remarks.push_back("identity");
  if (column.not_null) remarks.push_back("NOT NULL");
  if (column.generated) remarks.push_back("generated");
  if (column.cast) remarks.push_back("--cast");
  if (column.retyped_to_text) {
    remarks.push_back("--on-type-error=text: was " + column.mapped_type);
  }
  if (!column.epoch_unit.empty()) remarks.push_back("integers: epoch " + column.epoch_unit);
  if (!column.epoch_conflict.empty()) remarks.push_back("!! epoch units mixed");
  if (!column.mapping_note.empty() && !column.cast) remarks.push_back(column.mapping_note);
  if (column.refused > 0) {
    remarks.push_back("!! " + plural(column.refused, "value does", "values do") + " not fit " +
                      column.mapped_type);
  }
  return remarks.empty() ? "" : "  (" + joined(remarks, "; ") + ")";
}

std::string declared_text(const SqliteColumnFacts& column) {
  return (column.declared.empty() ? std::string("(none)") : column.declared) + " [" +
         column.affinity + "]";
}

void mapping_section(std::string& out, const SqliteFileFacts& source) {
  out += "\nType mapping (column: SQLite declared type [affinity] -> PostgreSQL type)\n";
  for (const auto& table : source.tables) {
    out += "  " + table.name + "\n";
    std::size_t name_width = 0, declared_width = 0;
    for (const auto& column : table.columns) {
      name_width = std::max(name_width, column.name.size());
      declared_width = std::max(declared_width, declared_text(column).size());
    }
    for (const auto& column : table.columns) {
      char line[512];
      std::snprintf(line, sizeof line, "    %-*s  %-*s -> %s", static_cast<int>(name_width),
                    column.name.c_str(), static_cast<int>(declared_width),
                    declared_text(column).c_str(), column.pg_type.c_str());
      out += line + column_remarks(column) + "\n";
    }
  }
  if (source.tables.empty()) out += "  no tables\n";
}

void dates_section(std::string& out, const SqliteFileFacts& source) {
  out +=
      "\nDates and times (ISO-8601 text and Julian-day REALs are read as such; INTEGERs by a rule\n"
      "decided per column from a sample: |v| > 10^11 is epoch milliseconds, any other value epoch\n"
      "seconds; integers among Julian-day REALs are whole Julian days)\n";
  int shown = 0;
  for (const auto& table : source.tables) {
    for (const auto& column : table.columns) {
      if (!column.date_like && column.epoch_conflict.empty()) continue;
      ++shown;
      out += "  " + table.name + "." + column.name + " (" +
             (column.declared.empty() ? "no declared type" : column.declared) + " -> " +
             column.pg_type + "): ";
      std::string sampled =
          "from " + plural(column.epoch_sampled_integers, "sampled integer", "sampled integers") +
          " and " + plural(column.epoch_sampled_reals, "real", "reals");
      if (!column.epoch_conflict.empty()) {
        out += "no rule: " + column.epoch_conflict + " (migrate refuses)\n";
      } else if (!column.epoch_unit.empty()) {
        out += "integers are " + std::string(column.epoch_unit == "Julian days" ? "" : "epoch ") +
               column.epoch_unit + ", " + sampled + "\n";
      } else {
        out += "no integers sampled; any would be read as epoch seconds (the default)\n";
      }
    }
  }
  if (shown == 0) out += "  no date-like columns\n";
}

void values_section(std::string& out, const SqliteAssessment& a) {
  std::uint64_t rows = 0;
  double seconds = 0;
  for (const auto& table : a.source.tables) {
    rows += table.rows;
    seconds += table.scan_seconds;
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "\nValues (every value read through the encoder: %llu rows in %.1f s; "
                "--on-type-error=%s)\n",
                static_cast<unsigned long long>(rows), seconds, a.on_type_error.c_str());
  out += line;
  int shown = 0;
  for (const auto& table : a.source.tables) {
    for (const auto& column : table.columns) {
      if (column.refused == 0) continue;
      ++shown;
      std::string outcome = a.on_type_error == "text"   ? "the column becomes text"
                            : a.on_type_error == "null" ? "they become NULL"
                                                        : "migrate refuses";
      out += "  " + table.name + "." + column.name + " (" + column.mapped_type +
             "): " + plural(column.refused, "value does", "values do") + " not fit: " + outcome +
             "\n";
    }
  }
  if (shown == 0) out += "  every value fits its column's type\n";
}

using verify::Json;

Json column_json(const SqliteColumnFacts& c) {
  return Json::object({{"name", c.name},
                       {"declared", c.declared},
                       {"affinity", c.affinity},
                       {"pg_type", c.pg_type},
                       {"mapped_type", c.mapped_type},
                       {"cast", c.cast},
                       {"retyped_to_text", c.retyped_to_text},
                       {"note", c.mapping_note},
                       {"not_null", c.not_null},
                       {"identity", c.identity},
                       {"generated", c.generated},
                       {"date_like", c.date_like},
                       {"epoch_unit", c.epoch_unit},
                       {"epoch_sampled_integers", c.epoch_sampled_integers},
                       {"epoch_sampled_reals", c.epoch_sampled_reals},
                       {"epoch_conflict", c.epoch_conflict},
                       {"refused", c.refused},
                       {"first_refused", c.first_refused},
                       {"refused_as_text", c.refused_as_text}});
}

Json table_json(const SqliteTableFacts& t) {
  Json indexes = Json::array();
  for (const auto& index : t.indexes) {
    indexes.push_back(Json::object({{"name", index.name},
                                    {"unique", index.unique},
                                    {"partial", index.partial},
                                    {"expression", index.expression},
                                    {"kind", index.kind},
                                    {"columns", verify::json_strings(index.columns)}}));
  }
  Json columns = Json::array();
  for (const auto& column : t.columns) columns.push_back(column_json(column));
  return Json::object(
      {{"schema", t.schema},
       {"name", t.name},
       {"rows_source", t.rows},
       {"rows_exact", true},
       {"bytes", t.bytes},
       {"index_bytes", t.index_bytes},
       {"chunks_total", t.chunks},
       {"chunking", t.chunking},
       {"clustered_on", t.clustered_on.empty() ? Json(nullptr) : Json(t.clustered_on)},
       {"key", t.key},
       {"keyless", t.keyless()},
       {"without_rowid", t.without_rowid},
       {"autoincrement", t.autoincrement},
       {"rowid_key", t.rowid_key},
       {"primary_key", verify::json_strings(t.primary_key)},
       {"scan_seconds", verify::json_number(t.scan_seconds)},
       {"indexes", std::move(indexes)},
       {"foreign_keys", verify::json_strings(t.foreign_keys)},
       {"checks", t.checks},
       {"columns", std::move(columns)}});
}

struct Totals {
  std::uint64_t rows = 0;
  std::int64_t bytes = 0, index_bytes = 0;
  int chunks = 0, indexes = 0, partial = 0, expression = 0, unique = 0, foreign_keys = 0;
  int checks = 0;
  int without_rowid = 0, autoincrement = 0, rowid_key = 0, keyless = 0;
};

Totals totals_of(const SqliteFileFacts& source) {
  Totals out;
  for (const auto& table : source.tables) {
    out.rows += table.rows;
    out.bytes += table.bytes;
    out.index_bytes += table.index_bytes;
    out.chunks += table.chunks;
    out.foreign_keys += static_cast<int>(table.foreign_keys.size());
    out.checks += table.checks;
    out.without_rowid += table.without_rowid;
    out.autoincrement += table.autoincrement;
    out.rowid_key += table.rowid_key;
    out.keyless += table.keyless();
    for (const auto& index : table.indexes) {
      ++out.indexes;
      out.partial += index.partial;
      out.expression += index.expression;
      out.unique += index.unique;
    }
  }
  return out;
}

}  // namespace

std::string sqlite_plan_to_text(const SqliteAssessment& a) {
  const SqliteFileFacts& f = a.source;
  std::string out = "pgshift plan\n\n";
  out += "Source  " + a.source_display + "  SQLite file, " + bytes_text(f.file_bytes) +
         (f.wal_bytes > 0 ? " + " + bytes_text(f.wal_bytes) + " of WAL" : "") + " (page size " +
         std::to_string(f.page_size) + ", journal mode " + f.journal_mode + "), read with SQLite " +
         f.sqlite_version + "\n";
  if (a.target_reached) {
    out += server_line("Target", a.target_display, a.target, a.target_provider);
  } else {
    out += "Target  " + a.target_display + "  not reachable: " + a.target_error + "\n";
  }

  Totals totals = totals_of(f);
  out += "\nInventory\n";
  out += "  tables: " + std::to_string(f.tables.size()) + ", " + std::to_string(totals.rows) +
         " rows (counted), " + bytes_text(totals.bytes) + " of table data + " +
         bytes_text(totals.index_bytes) + " of indexes\n";
  char line[512];
  std::snprintf(line, sizeof line,
                "  WITHOUT ROWID %d, AUTOINCREMENT %d, rowid-keyed %d, keyless %d\n"
                "  indexes %d (partial %d, expression %d, unique %d; keys and UNIQUE constraints "
                "included), foreign keys %d, CHECK constraints %d\n",
                totals.without_rowid, totals.autoincrement, totals.rowid_key, totals.keyless,
                totals.indexes, totals.partial, totals.expression, totals.unique,
                totals.foreign_keys, totals.checks);
  out += line;
  out += "  not migrated: " + named("views", f.views) + ", " + named("triggers", f.triggers) +
         ", " + named("virtual tables", f.virtual_tables) + "\n";

  out += "\nTables (into schema " + (f.tables.empty() ? "public" : f.tables[0].schema) + ")\n";
  for (const auto& table : f.tables) {
    out += "  " + table.name + ": " + std::to_string(table.rows) + " rows, " +
           bytes_text(table.bytes) + " + " + bytes_text(table.index_bytes) + " of indexes; " +
           keying(table) + "; " +
           plural(static_cast<std::size_t>(table.chunks), "chunk", "chunks") + " (" +
           table.chunking + ")" + clustering(table) + "\n";
    std::vector<std::string> indexes;
    for (const auto& index : table.indexes) indexes.push_back(index_text(index));
    if (!indexes.empty()) out += "    indexes and keys: " + joined(indexes) + "\n";
    if (table.checks > 0) out += "    CHECK constraints: " + std::to_string(table.checks) + "\n";
    if (!table.foreign_keys.empty()) {
      out += "    foreign keys: " + joined(table.foreign_keys) + "\n";
    }
  }
  if (f.tables.empty()) out += "  none\n";

  mapping_section(out, f);
  dates_section(out, f);
  values_section(out, a);

  const Estimate& e = a.estimate;
  out += "\nChunk plan & estimate\n";
  out += "  " + plural(static_cast<std::size_t>(totals.chunks), "chunk", "chunks") + " over " +
         plural(f.tables.size(), "table", "tables") + "; --jobs " + std::to_string(a.jobs) +
         " gives " +
         plural(static_cast<std::size_t>(e.streams), "parallel stream", "parallel streams") + "\n";
  out += estimate_text(e, "");

  append_findings_section(out, a.findings, Severity::kBlocker,
                          "Blockers (migrate refuses: exit 2)");
  append_findings_section(out, a.findings, Severity::kWarning, "Warnings");
  out += "\n" + summary_line(a.findings);
  return out;
}

std::string sqlite_plan_to_json(const SqliteAssessment& a, const ReportRun& run) {
  using verify::json_strings;
  const SqliteFileFacts& f = a.source;
  Totals totals = totals_of(f);
  Json out;
  add_report_header(out, run, a.source_display, a.target_display);
  out["source_kind"] = "sqlite";
  out["on_type_error"] = a.on_type_error;
  out["file"] = Json::object({{"path", f.path},
                              {"bytes", f.file_bytes},
                              {"wal_bytes", f.wal_bytes},
                              {"page_size", f.page_size},
                              {"journal_mode", f.journal_mode},
                              {"sqlite_version", f.sqlite_version}});
  out["target_reached"] = a.target_reached;
  if (!a.target_reached) out["target_error"] = a.target_error;
  out["servers"] = Json::object(
      {{"target", a.target_reached ? server_json(a.target, a.target_provider) : Json(nullptr)}});
  out["inventory"] = Json::object({{"tables", f.tables.size()},
                                   {"rows", totals.rows},
                                   {"rows_exact", true},
                                   {"table_bytes", totals.bytes},
                                   {"index_bytes", totals.index_bytes},
                                   {"without_rowid_tables", totals.without_rowid},
                                   {"autoincrement_tables", totals.autoincrement},
                                   {"rowid_key_tables", totals.rowid_key},
                                   {"keyless_tables", totals.keyless},
                                   {"indexes", totals.indexes},
                                   {"partial_indexes", totals.partial},
                                   {"expression_indexes", totals.expression},
                                   {"unique_indexes", totals.unique},
                                   {"foreign_keys", totals.foreign_keys},
                                   {"checks", totals.checks},
                                   {"views", json_strings(f.views)},
                                   {"triggers", json_strings(f.triggers)},
                                   {"virtual_tables", json_strings(f.virtual_tables)}});
  out["estimate"] = estimate_json(a.estimate, a.jobs);
  out["blockers"] = findings_json(a.findings, Severity::kBlocker);
  out["warnings"] = findings_json(a.findings, Severity::kWarning);
  out["notes"] = findings_json(a.findings, Severity::kInfo);
  Json tables = Json::array();
  for (const auto& table : f.tables) tables.push_back(table_json(table));
  out["tables"] = std::move(tables);
  return verify::json_document(out);
}

}  // namespace pgshift::assess
