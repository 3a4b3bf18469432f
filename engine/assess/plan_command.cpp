#include "engine/assess/plan_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <thread>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/schema_dump.hpp"
#include "connectors/pg/session.hpp"
#include "engine/assess/assessment.hpp"
#include "engine/assess/plan_report.hpp"
#include "engine/assess/server_reader.hpp"
#include "engine/assess/server_speed.hpp"
#include "engine/assess/source_reader.hpp"
#include "engine/assess/speed_probe.hpp"
#include "engine/assess/sqlite_plan_command.hpp"
#include "engine/assess/sqlite_plan_report.hpp"
#include "engine/assess/supabase.hpp"
#include "engine/assess/target_reader.hpp"
#include "engine/command/command_frame.hpp"
#include "engine/command/source_options.hpp"
#include "engine/core/task_guard.hpp"
#include "engine/plan/source_planner.hpp"
#include "verify/report.hpp"

namespace pgshift {
namespace {

using namespace assess;

struct PlanRun {
  PlanOptions options;
  Assessment assessment;
  SourceFacts source;
  TargetFacts target;
  std::vector<Table> tables;  // the copy model of every table in scope
};

// Everything read from the source, at one snapshot of a read-only transaction left open (the
// speed sample reads in it too).
Task<Status> read_source(PlanRun& run, pg::Connection& source, const pg::TableFilter& filter) {
  SourceFacts& facts = run.source;
  auto begun = co_await source.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!begun) co_return fail(begun.error());
  auto exported = co_await source.query("SELECT pg_catalog.pg_export_snapshot()");
  facts.snapshot_exported = exported.has_value();
  if (!exported) {
    facts.snapshot_error = exported.error().message;
    co_await source.query("ROLLBACK");
    auto again = co_await source.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (!again) co_return fail(again.error());
  }
  auto tables = co_await pg::read_tables(source, filter, /*allow_text_only_types=*/true);
  if (!tables) co_return fail(tables.error());
  if (auto matched = check_includes_matched(filter, *tables); !matched) co_return matched;
  run.tables = std::move(*tables);
  auto table_facts = co_await read_table_facts(source, run.tables, run.options.exact_counts);
  if (!table_facts) co_return fail(table_facts.error());
  facts.tables = std::move(*table_facts);
  auto scope = schemas_in_scope(facts.server.schemas, filter);
  auto inventory = co_await read_inventory(source, scope, facts.tables);
  if (!inventory) co_return fail(inventory.error());
  facts.inventory = std::move(*inventory);
  auto references = co_await read_references(source, scope, run.assessment.left_out.schemas);
  if (!references) co_return fail(references.error());
  facts.references = std::move(*references);
  auto policies = co_await read_policies(source, scope);
  if (!policies) co_return fail(policies.error());
  facts.policies = std::move(*policies);
  auto grants = co_await read_grants(source, scope, supabase_internal_roles());
  if (!grants) co_return fail(grants.error());
  facts.grants = std::move(*grants);
  auto sequences = co_await read_unreadable_sequences(source, scope);
  if (!sequences) co_return fail(sequences.error());
  facts.unreadable_sequences = std::move(*sequences);
  co_return Status{};
}

// The chunk plan of the tables the source user can read, and the measured sample.
Task<Status> plan_and_sample(PlanRun& run, pg::Connection& source, pg::Connection& target) {
  Assessment& a = run.assessment;
  std::vector<Table> readable;
  std::vector<std::size_t> facts_index;
  for (std::size_t i = 0; i < run.tables.size(); ++i) {
    if (!run.source.tables[i].can_select) continue;
    readable.push_back(run.tables[i]);
    facts_index.push_back(i);
  }
  plan::PlannerOptions planner;
  planner.chunk_bytes = run.options.chunk_bytes;
  planner.workers = run.options.jobs;
  auto chunks = co_await plan::plan_source_chunks(source, readable, planner);
  if (!chunks) co_return fail(chunks.error());
  std::vector<int> chunk_count(run.tables.size(), 0);
  for (const auto& chunk : *chunks) ++chunk_count[facts_index[chunk.table_index]];
  for (std::size_t i = 0; i < run.tables.size(); ++i) {
    a.tables.push_back({run.source.tables[i], chunk_count[i], run.tables[i].keyless(), 0});
  }

  std::vector<ProbeTable> probe_tables;
  for (std::size_t i = 0; i < run.tables.size(); ++i) {
    const TableFacts& facts = run.source.tables[i];
    if (!facts.can_select || facts.partitioned_parent || !facts.columns_without_binary_io.empty()) {
      continue;
    }
    probe_tables.push_back({&run.tables[i], facts.rows});
  }
  std::stable_sort(
      probe_tables.begin(), probe_tables.end(),
      [](const ProbeTable& x, const ProbeTable& y) { return x.table->bytes > y.table->bytes; });
  const ServerFacts& target_server = run.target.server;
  bool writable = !target_server.in_recovery && !target_server.default_read_only;
  auto probe =
      co_await measure_speeds(source, writable ? &target : nullptr, probe_tables, ProbeOptions{});
  a.samples = std::move(probe.samples);
  a.write_mode = probe.write_mode;

  EstimateInput input;
  for (const auto& table : a.tables) {
    if (table.facts.partitioned_parent) continue;
    input.tables.push_back({table.facts.qualified(), table.facts.bytes,
                            table.facts.bytes - table.facts.toast_bytes, table.facts.index_bytes,
                            std::max(1, table.chunks), table.keyless});
  }
  input.samples = a.samples;
  input.jobs = run.options.jobs;
  // Both servers on this machine: they and pgshift share its cores.
  if (run.options.source.on_this_machine() && run.options.target.on_this_machine()) {
    input.shared_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  input.verify = run.options.verify != VerifyMode::kOff;
  input.foreign_keys = run.source.inventory.foreign_keys;
  input.foreign_key_bytes = run.source.inventory.foreign_key_bytes;
  if (auto speed = co_await measure_server_speed(target)) input.target_speed = *speed;
  a.estimate = estimate_duration(input);
  for (auto& note : probe.notes) a.estimate.notes.push_back(std::move(note));
  std::map<std::string, double> seconds;
  for (const auto& table : a.estimate.tables) seconds[table.table] = table.seconds;
  for (auto& table : a.tables) table.estimated_seconds = seconds[table.facts.qualified()];
  co_return Status{};
}

Task<Status> assess_pair(PlanRun& run) {
  const PlanOptions& options = run.options;
  Assessment& a = run.assessment;
  auto source = co_await pg::open_session(options.source, "source");
  if (!source) co_return fail(ErrorKind::kRefused, source.error().message);
  auto target = co_await pg::open_session(options.target, "target");
  if (!target) co_return fail(ErrorKind::kRefused, target.error().message);

  // Outside any transaction: a pooler shows itself only between transactions.
  auto source_pooler = co_await probe_pooler(*source, options.source);

  auto source_server = co_await read_server_facts(*source, options.source, "source");
  if (!source_server) co_return fail(source_server.error());
  run.source.server = std::move(*source_server);
  run.source.server.pooler = source_pooler;
  a.source_provider = detect_provider(run.source.server);
  if (!options.include_internal_schemas) {
    a.left_out.schemas =
        internal_schemas_to_leave_out(a.source_provider.provider, run.source.server.schemas);
  }
  pg::TableFilter filter = options.filter;
  for (const auto& schema : a.left_out.schemas) filter.exclude_schemas.push_back(schema);
  if (auto read = co_await read_source(run, *source, filter); !read) co_return read;

  auto target_facts = co_await assess_target(*target, options.target);
  if (!target_facts) co_return fail(target_facts.error());
  run.target = std::move(*target_facts);
  a.target_provider = detect_provider(run.target.server);

  if (auto planned = co_await plan_and_sample(run, *source, *target); !planned) co_return planned;
  co_await source->query("ROLLBACK");

  a.source = run.source.server;
  a.target = run.target.server;
  a.inventory = run.source.inventory;
  JudgeOptions judging;
  judging.keep_owners = options.keep_owners;
  judging.tables_filtered = !options.filter.include_tables.empty();
  if (auto supported = pg::check_pg_dump_supports(a.source.version_num); !supported) {
    judging.pg_dump_refusal = supported.error().message;
  }
  judge(a, run.source, run.target, judging);
  co_return Status{};
}

// One kind of source's assessment: how it runs, and what it found and shows.
struct PlanSteps {
  std::function<Task<Status>()> assess;
  const std::vector<Finding>* findings;
  std::function<std::string()> text;
  std::function<std::string(const ReportRun&)> json;
};

int run_steps(const PlanOptions& options, const PlanSteps& steps) {
  // The plan's report is its own JSON (steps.json); the frame gives the loop and the signals.
  CommandFrame frame("plan", options.source, options.target, "");
  ReportRun report;
  report.started_at = frame.report.started_at;
  Status outcome = frame.run(steps.assess(), [&] { frame.io.stop(); });
  if (frame.signalled()) {
    std::fprintf(stderr, "\npgshift: interrupted; nothing was written.\n");
    std::fflush(stderr);
    _exit(130);  // coroutine frames still reference the run; the OS closes the sockets
  }
  report.finished_at = verify::now_iso8601();
  if (!outcome) {
    report.exit_code = exit_code_for(outcome.error().kind);
    report.status = report.exit_code == 2 ? "refused" : "failed";
    report.error = outcome.error().message;
    std::fprintf(stderr, "pgshift: %s\n", outcome.error().message.c_str());
  } else {
    bool blocked = has_blocker(*steps.findings);
    report.exit_code = blocked ? 2 : 0;
    report.status = blocked ? "blocked" : "ok";
    if (!options.quiet) {
      std::fputs(steps.text().c_str(), stdout);
    } else {
      for (const auto& finding : *steps.findings) {
        if (finding.severity != Severity::kBlocker) continue;
        std::fprintf(stderr, "pgshift: blocker: %s\n", finding.refusal().c_str());
      }
    }
  }
  if (!options.report_path.empty()) {
    FILE* file = std::fopen(options.report_path.c_str(), "w");
    std::string json = steps.json(report);
    if (!file || std::fwrite(json.data(), 1, json.size(), file) != json.size()) {
      std::fprintf(stderr, "pgshift: cannot write report to %s\n", options.report_path.c_str());
    }
    if (file) std::fclose(file);
  }
  return report.exit_code;
}

}  // namespace

int run_plan_command(PlanOptions options) {
  if (options.source.kind() == EndpointKind::kSqlite) {
    SqliteAssessment assessment;
    assessment.source_display = options.source.display();
    assessment.target_display = options.target.display();
    assessment.jobs = options.jobs;
    assessment.on_type_error = options.on_type_error;
    return run_steps(
        options, {[&] { return assess_sqlite_source(assessment, options); }, &assessment.findings,
                  [&] { return sqlite_plan_to_text(assessment); },
                  [&](const ReportRun& run) { return sqlite_plan_to_json(assessment, run); }});
  }
  PlanRun run{std::move(options), {}, {}, {}, {}};
  run.assessment.source_display = run.options.source.display();
  run.assessment.target_display = run.options.target.display();
  run.assessment.jobs = run.options.jobs;
  return run_steps(run.options,
                   {[&] { return assess_pair(run); }, &run.assessment.findings,
                    [&] { return plan_to_text(run.assessment); },
                    [&](const ReportRun& report) { return plan_to_json(run.assessment, report); }});
}

}  // namespace pgshift
