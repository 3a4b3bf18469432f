#include "engine/assess/sqlite_assessment.hpp"

#include <algorithm>

#include "engine/assess/checks.hpp"

namespace pgshift::assess {
namespace {

std::string values(std::uint64_t count) {
  return std::to_string(count) + (count == 1 ? " value" : " values");
}

// "1 value does not fit" / "2 values do not fit".
std::string values_do_not_fit(std::uint64_t count) {
  return values(count) + (count == 1 ? " does" : " do") + " not fit";
}

// "users.balance" as --cast spells it.
std::string cast_name(const SqliteTableFacts& table, const SqliteColumnFacts& column) {
  return table.name + "." + column.name;
}

std::string where(const SqliteTableFacts& table, const SqliteColumnFacts& column) {
  return "table " + table.name + " column " + column.name;
}

// Values the column's type refuses, judged by the --on-type-error policy.
void judge_values(std::vector<Finding>& out, const SqliteTableFacts& table,
                  const SqliteColumnFacts& column, const std::string& policy) {
  if (column.refused == 0) return;
  const std::string& type = column.mapped_type;
  std::string first = "; first: " + column.first_refused;
  if (policy == "text") {
    if (column.refused_as_text > 0) {
      out.push_back(blocker("value_not_text",
                            where(table, column) + ": " + values(column.refused_as_text) +
                                (column.refused_as_text == 1 ? " fits" : " fit") + " neither " +
                                type + " nor text; first: " + column.first_refused_as_text,
                            "correct them in the file, or use --on-type-error=null"));
      return;
    }
    out.push_back(warning("column_becomes_text",
                          where(table, column) + " becomes text instead of " + type +
                              " (--on-type-error=text): " + values(column.refused) +
                              " did not fit " + type + first,
                          "every value of the column is copied in its text form; to keep " + type +
                              ", correct those values in the file"));
    return;
  }
  if (policy == "null" && column.not_null) {
    out.push_back(blocker("value_into_not_null",
                          where(table, column) + " (" + type +
                              ", NOT NULL): " + values_do_not_fit(column.refused) +
                              ", and --on-type-error=null cannot write NULL into a "
                              "NOT NULL column" +
                              first,
                          "use --on-type-error=text (the column becomes text), or correct the "
                          "values in the file"));
    return;
  }
  if (policy == "null") {
    out.push_back(warning("values_become_null",
                          where(table, column) + " (" + type +
                              "): " + values_do_not_fit(column.refused) +
                              (column.refused == 1 ? " and becomes" : " and become") +
                              " NULL (--on-type-error=null)" + first,
                          "keep them with --on-type-error=text (the column becomes text), or "
                          "correct them in the file"));
    return;
  }
  out.push_back(blocker(
      "value_does_not_fit",
      where(table, column) + " (" + type + "): " + values_do_not_fit(column.refused) + first,
      "correct the values in the file, --cast " + cast_name(table, column) +
          "=TYPE to a type that holds them, or --on-type-error=text (the column becomes text) or "
          "=null (such values become NULL)"));
}

void judge_mapping(std::vector<Finding>& out, const SqliteTableFacts& table,
                   const SqliteColumnFacts& column) {
  if (!column.epoch_conflict.empty()) {
    std::string message = column.epoch_conflict, fix;
    if (auto semicolon = message.rfind("; "); semicolon != std::string::npos) {
      fix = message.substr(semicolon + 2);
      message.resize(semicolon);
    }
    out.push_back(blocker("epoch_units_mixed", where(table, column) + ": " + message, fix));
  }
  if (column.cast || column.mapping_note.empty()) return;
  std::string fix = "--cast " + cast_name(table, column) +
                    "=TYPE to choose the PostgreSQL type (text, bigint, numeric(p,s), ...)";
  if (column.declared.empty()) {
    out.push_back(warning("untyped_column",
                          where(table, column) +
                              " has no declared type (BLOB affinity: SQLite let it hold any "
                              "value): it becomes bytea",
                          fix + " if it holds numbers or text"));
    return;
  }
  out.push_back(warning("ambiguous_type", where(table, column) + ": " + column.mapping_note, fix));
}

void judge_schema_warnings(std::vector<Finding>& out, const std::vector<std::string>& warnings) {
  for (const auto& message : warnings) {
    bool object = message.starts_with("view ") || message.starts_with("trigger ") ||
                  message.starts_with("virtual table ");
    if (object) {
      out.push_back(warning("not_migrated", message,
                            "recreate it on the target after the migration, in PostgreSQL's SQL, "
                            "if you need it"));
    } else {
      out.push_back(warning("schema_translation", message,
                            "check the table on the target after the migration and add what you "
                            "need by hand"));
    }
  }
}

void judge_target(std::vector<Finding>& out, const SqliteAssessment& a, const TargetFacts* target) {
  if (!target) {
    out.push_back(blocker("target_unreachable", "cannot read the target: " + a.target_error,
                          "check --target (host, port, database, user, password, sslmode) and "
                          "that the server accepts connections from here"));
    return;
  }
  std::vector<std::pair<std::string, std::string>> tables;
  for (const auto& table : a.source.tables) tables.push_back({table.schema, table.name});
  // A SQLite source creates no schema of its own (its tables go into public).
  for (auto& finding : check_target_state(*target, tables, {})) out.push_back(std::move(finding));
  for (auto& finding : check_target_privileges(*target, !tables.empty())) {
    out.push_back(std::move(finding));
  }
  if (auto pooler = check_pooler(target->server)) out.push_back(std::move(*pooler));
}

}  // namespace

void judge_sqlite(SqliteAssessment& a, const TargetFacts* target) {
  std::vector<Finding> findings;
  judge_target(findings, a, target);
  for (const auto& table : a.source.tables) {
    for (const auto& column : table.columns) {
      judge_mapping(findings, table, column);
      judge_values(findings, table, column, a.on_type_error);
    }
  }
  judge_schema_warnings(findings, a.source.schema_warnings);
  if (a.source.tables.empty()) {
    findings.push_back(
        Finding{Severity::kInfo, "no_tables", "the file holds no tables to migrate", ""});
  }
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& x, const Finding& y) {
    return static_cast<int>(x.severity) < static_cast<int>(y.severity);
  });
  a.findings = std::move(findings);
}

Estimate estimate_sqlite(const SqliteFileFacts& source, int jobs, bool verify, int shared_cores,
                         double target_speed) {
  EstimateInput input;
  // No sample is written to the target for a SQLite source, so its write side is assumed: rates
  // calibrated with bench/e2e/estimate_check.sh (sqlite_generate.py at scale 1 and 0.3: 362 and
  // 108 MB, PostgreSQL 15 on the same 2 cores) on the calibration machine, scaled by the target's
  // measured speed; set-up reads no pg_dump, only the file's catalog.
  input.assumed.write_mb_s = 150;
  input.assumed.readback_mb_s = 300;
  input.assumed.scan_mb_s = 1500;
  input.assumed.setup_seconds = 0.15;
  input.target_speed = target_speed;
  input.jobs = jobs;
  input.verify = verify;
  input.shared_cores = shared_cores;
  for (const auto& table : source.tables) {
    input.tables.push_back({table.qualified(), table.bytes, table.bytes, table.index_bytes,
                            std::max(1, table.chunks), table.keyless()});
    if (table.bytes > 0 && table.scan_seconds > 0) {
      SampleTiming read;
      read.table = table.qualified();
      read.rows = static_cast<long long>(table.rows);
      read.fraction = 1;
      read.wire_bytes = table.bytes;
      read.read_seconds = table.scan_seconds;
      input.samples.push_back(read);
    }
    input.foreign_keys += static_cast<int>(table.foreign_keys.size());
    input.foreign_key_bytes += table.bytes * static_cast<std::int64_t>(table.foreign_keys.size());
  }
  Estimate estimate = estimate_duration(input);
  // The model's own note on the missing write sample says less than this one.
  std::erase_if(estimate.notes,
                [](const std::string& note) { return note.starts_with("no write"); });
  estimate.notes.push_back(
      "SQLite source: read rates are each table's full read through the encoder (this plan's "
      "value check); write, read-back, index and finishing rates are assumed, as plan writes "
      "nothing to the target");
  return estimate;
}

}  // namespace pgshift::assess
