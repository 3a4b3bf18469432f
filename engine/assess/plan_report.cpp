#include "engine/assess/plan_report.hpp"

#include <algorithm>
#include <cstdio>

#include "engine/assess/checks.hpp"
#include "engine/assess/report_parts.hpp"
#include "engine/migrate/progress.hpp"

namespace pgshift::assess {
namespace {

std::string rows_text(double rows, bool exact) {
  char text[40];
  std::snprintf(text, sizeof text, "%s%.0f", exact ? "" : "~", rows);
  return text;
}

}  // namespace

std::string plan_to_text(const Assessment& a) {
  std::string out = "pgshift plan\n\n";
  out += server_line("Source", a.source_display, a.source, a.source_provider);
  out += server_line("Target", a.target_display, a.target, a.target_provider);

  const Inventory& inv = a.inventory;
  out += "\nInventory\n";
  out += "  schemas (" + std::to_string(inv.schemas.size()) + "): " + name_list(inv.schemas, 20) +
         "\n";
  out += "  tables: " + std::to_string(inv.tables) + " (" + std::to_string(inv.partitioned_tables) +
         " partitioned, " + std::to_string(inv.partitions) + " partitions), " +
         rows_text(inv.rows, inv.rows_exact) + " rows" +
         (inv.rows_exact ? "" : " (estimated; --exact counts)") + "\n";
  out += "  size: " + bytes_text(inv.table_bytes) + " of table data (" +
         bytes_text(inv.toast_bytes) + " TOAST) + " + bytes_text(inv.index_bytes) + " of indexes\n";
  char line[512];
  std::snprintf(line, sizeof line,
                "  indexes %d, primary keys %d, unique %d, foreign keys %d, checks %d, "
                "exclusion %d\n  sequences %d, large objects %d, generated columns %d, "
                "triggers %d, views %d, materialized views %d, functions %d, policies %d, "
                "types %d\n",
                inv.indexes, inv.primary_keys, inv.unique_constraints, inv.foreign_keys,
                inv.check_constraints, inv.exclusion_constraints, inv.sequences, inv.large_objects,
                inv.generated_columns, inv.triggers, inv.views, inv.materialized_views,
                inv.functions, inv.policies, inv.user_types);
  out += line;
  std::vector<std::string> extensions;
  for (const auto& extension : inv.extensions) {
    extensions.push_back(extension.name + " " + extension.version + " (" + extension.schema + ")");
  }
  out += "  extensions: " + (extensions.empty() ? "none" : name_list(extensions, 50)) + "\n";
  std::vector<const TablePlan*> largest;
  for (const auto& table : a.tables) largest.push_back(&table);
  std::stable_sort(largest.begin(), largest.end(), [](const TablePlan* x, const TablePlan* y) {
    return x->facts.bytes + x->facts.index_bytes > y->facts.bytes + y->facts.index_bytes;
  });
  if (largest.size() > 10) largest.resize(10);
  if (!largest.empty()) {
    std::snprintf(line, sizeof line, "  %-40s %14s %10s %10s %10s %7s %8s\n", "largest tables",
                  "rows", "data", "TOAST", "indexes", "chunks", "est. s");
    out += line;
  }
  for (const TablePlan* table : largest) {
    std::string name = table->facts.qualified();
    if (name.size() > 40) name = name.substr(0, 37) + "...";
    std::snprintf(
        line, sizeof line, "  %-40s %14s %10s %10s %10s %7d %8.1f\n", name.c_str(),
        table->facts.partitioned_parent
            ? "partitioned"
            : rows_text(table->facts.rows, table->facts.rows_exact).c_str(),
        bytes_text(table->facts.bytes).c_str(), bytes_text(table->facts.toast_bytes).c_str(),
        bytes_text(table->facts.index_bytes).c_str(), table->chunks, table->estimated_seconds);
    out += line;
  }

  const Estimate& e = a.estimate;
  int chunks = 0;
  for (const auto& table : a.tables) chunks += table.chunks;
  out += "\nChunk plan & estimate\n";
  out += "  " + std::to_string(chunks) + " chunks over " + std::to_string(a.tables.size()) +
         " tables; --jobs " + std::to_string(a.jobs) + " gives " + std::to_string(e.streams) +
         " parallel stream" + (e.streams == 1 ? "" : "s") + "\n";
  std::string sample_line;
  if (e.measured) {
    double sampled = 0;
    for (const auto& sample : a.samples) sampled += static_cast<double>(sample.wire_bytes);
    sample_line = "sample: " + std::to_string(a.samples.size()) + " tables, " +
                  format_bytes(sampled) + " read" +
                  (a.write_mode.empty() ? "" : ", written to a " + a.write_mode);
  }
  out += estimate_text(e, sample_line);

  append_findings_section(out, a.findings, Severity::kBlocker,
                          "Blockers (migrate refuses: exit 2)");
  append_findings_section(out, a.findings, Severity::kWarning, "Warnings");

  const Readiness& r = a.readiness;
  out += std::string("\nZero-downtime readiness (pgshift sync): ") +
         (r.ready ? "ready" : "not ready") + "\n";
  for (const auto& item : r.items) {
    out += std::string("  [") + (item.ok ? "ok" : "!!") + "] " + item.message + "\n";
    if (!item.fix.empty()) out += "      fix: " + item.fix + "\n";
  }
  if (r.tables_without_identity.empty()) {
    out += "  [ok] every table has a usable replica identity\n";
  } else {
    std::size_t gaps = r.tables_without_identity.size();
    out += "  [!!] " + std::to_string(gaps) + (gaps == 1 ? " table" : " tables") +
           " without a usable replica identity (their UPDATE and DELETE fail once published):\n";
    for (const auto& gap : r.tables_without_identity) {
      out += "    " + gap.table + ": " + gap.reason + "\n      fix: " + gap.fix + "\n";
    }
  }

  out += "\nLeft out\n";
  if (a.left_out.schemas.empty() && a.left_out.roles.empty()) {
    out += "  nothing (owners, grants and roles are never copied unless --keep-owners)\n";
  } else {
    out += "  schemas: " + name_list(a.left_out.schemas, 50) + " (" +
           provider_name(a.source_provider.provider) +
           " internal; --include-internal-schemas copies them)\n";
    if (!a.left_out.extensions.empty()) {
      out += "  extensions: " + name_list(a.left_out.extensions, 50) + "\n";
    }
    if (!a.left_out.roles.empty()) {
      out += "  roles: " + name_list(a.left_out.roles, 50) + " (roles are never copied)\n";
    }
  }
  out += "\n" + summary_line(a.findings);
  return out;
}

std::string plan_to_json(const Assessment& a, const ReportRun& run) {
  using verify::Json;
  using verify::json_number;
  using verify::json_strings;
  const Inventory& inv = a.inventory;
  Json out;
  add_report_header(out, run, a.source_display, a.target_display);
  out["provider"] = provider_name(a.source_provider.provider);
  out["servers"] = Json::object({{"source", server_json(a.source, a.source_provider)},
                                 {"target", server_json(a.target, a.target_provider)}});
  Json extensions = Json::array();
  for (const auto& extension : inv.extensions) {
    extensions.push_back(Json::object(
        {{"name", extension.name}, {"version", extension.version}, {"schema", extension.schema}}));
  }
  out["inventory"] = Json::object({{"schemas", json_strings(inv.schemas)},
                                   {"tables", inv.tables},
                                   {"partitioned_tables", inv.partitioned_tables},
                                   {"partitions", inv.partitions},
                                   {"rows", json_number(inv.rows, 0)},
                                   {"rows_exact", inv.rows_exact},
                                   {"table_bytes", inv.table_bytes},
                                   {"toast_bytes", inv.toast_bytes},
                                   {"index_bytes", inv.index_bytes},
                                   {"indexes", inv.indexes},
                                   {"primary_keys", inv.primary_keys},
                                   {"unique_constraints", inv.unique_constraints},
                                   {"foreign_keys", inv.foreign_keys},
                                   {"check_constraints", inv.check_constraints},
                                   {"exclusion_constraints", inv.exclusion_constraints},
                                   {"sequences", inv.sequences},
                                   {"large_objects", inv.large_objects},
                                   {"generated_columns", inv.generated_columns},
                                   {"triggers", inv.triggers},
                                   {"views", inv.views},
                                   {"materialized_views", inv.materialized_views},
                                   {"functions", inv.functions},
                                   {"policies", inv.policies},
                                   {"types", inv.user_types},
                                   {"extensions", std::move(extensions)}});
  Json samples = Json::array();
  for (const auto& sample : a.samples) {
    samples.push_back(Json::object({{"table", sample.table},
                                    {"rows", sample.rows},
                                    {"bytes", sample.wire_bytes},
                                    {"read_seconds", json_number(sample.read_seconds)},
                                    {"write_seconds", json_number(sample.write_seconds)},
                                    {"readback_seconds", json_number(sample.readback_seconds)},
                                    {"scan_seconds", json_number(sample.scan_seconds)}}));
  }
  Json estimate = estimate_json(a.estimate, a.jobs);
  estimate["write_mode"] = a.write_mode;
  estimate["samples"] = std::move(samples);
  out["estimate"] = std::move(estimate);
  out["blockers"] = findings_json(a.findings, Severity::kBlocker);
  out["warnings"] = findings_json(a.findings, Severity::kWarning);
  out["notes"] = findings_json(a.findings, Severity::kInfo);
  const Readiness& r = a.readiness;
  Json items = Json::array(), gaps = Json::array();
  for (const auto& item : r.items) {
    items.push_back(Json::object(
        {{"code", item.code}, {"ok", item.ok}, {"message", item.message}, {"fix", item.fix}}));
  }
  for (const auto& gap : r.tables_without_identity) {
    gaps.push_back(Json::object({{"table", gap.table}, {"reason", gap.reason}, {"fix", gap.fix}}));
  }
  out["readiness"] = Json::object({{"ready", r.ready},
                                   {"wal_level", r.wal_level},
                                   {"free_replication_slots", r.free_replication_slots},
                                   {"free_wal_senders", r.free_wal_senders},
                                   {"replication_privilege", r.replication_privilege},
                                   {"items", std::move(items)},
                                   {"tables_without_replica_identity", std::move(gaps)}});
  out["left_out"] = Json::object({{"schemas", json_strings(a.left_out.schemas)},
                                  {"roles", json_strings(a.left_out.roles)},
                                  {"extensions", json_strings(a.left_out.extensions)}});
  Json tables = Json::array();
  for (const TablePlan& t : a.tables) {
    tables.push_back(Json::object({{"schema", t.facts.schema},
                                   {"name", t.facts.name},
                                   {"rows_source", json_number(t.facts.rows, 0)},
                                   {"rows_exact", t.facts.rows_exact},
                                   {"bytes", t.facts.bytes},
                                   {"toast_bytes", t.facts.toast_bytes},
                                   {"index_bytes", t.facts.index_bytes},
                                   {"chunks_total", t.chunks},
                                   {"keyless", t.keyless},
                                   {"readable", t.facts.can_select},
                                   {"estimated_seconds", json_number(t.estimated_seconds, 2)}}));
  }
  out["tables"] = std::move(tables);
  return verify::json_document(out);
}

}  // namespace pgshift::assess
