#include "engine/migrate/finalize.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/session.hpp"
#include "engine/migrate/foreign_keys.hpp"
#include "engine/migrate/large_object_copy.hpp"
#include "engine/migrate/matviews.hpp"
#include "engine/migrate/sequence_values.hpp"
#include "engine/migrate/target_lanes.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/state/run_state.hpp"
#include "verify/large_objects.hpp"

namespace pgshift {
namespace {

using pg::quote_literal;

Task<Result<bool>> step_done(pg::Connection& target, const std::string& step) {
  auto row =
      co_await target.query("SELECT done FROM pgshift.steps WHERE name = " + quote_literal(step));
  if (!row) co_return fail(row.error());
  co_return row->rows() == 1 && row->boolean(0, 0);
}

std::string mark_step_sql(const std::string& step) {
  return "UPDATE pgshift.steps SET done = true, finished_at = now() WHERE name = " +
         quote_literal(step);
}

// Runs `statements` over up to `jobs` target connections; each is one transaction.
Task<Status> run_parallel(RunContext& context, std::vector<std::string> statements) {
  std::size_t next = 0;
  int lanes = std::max(1, std::min<int>(context.options.jobs, static_cast<int>(statements.size())));
  co_return co_await run_target_lanes(context, lanes,
                                      [&](pg::Connection& target) -> Task<Result<bool>> {
                                        if (next >= statements.size()) co_return false;
                                        auto done = co_await target.query(statements[next++]);
                                        if (!done) co_return fail(done.error());
                                        co_return true;
                                      });
}

Task<Status> apply_post_data(pg::Connection& target) {
  auto script = co_await target.query("SELECT sql FROM pgshift.steps WHERE name = 'post_data'");
  if (!script) co_return fail(script.error());
  auto applied = co_await target.query("BEGIN; " + script->text(0, 0) + ";\n" +
                                       mark_step_sql("post_data") + "; COMMIT");
  if (!applied) {
    co_await target.query("ROLLBACK");
    co_return fail(std::move(applied.error()).within("applying post-data (triggers, rules, ...)"));
  }
  co_return Status{};
}

Task<Status> copy_sequences(RunContext& context, pg::Connection& target) {
  auto source = co_await pg::open_session(context.options.source, "source");
  if (!source) co_return fail(source.error());
  auto update = co_await sequence_update(*source, target);
  if (!update) co_return fail(update.error());
  for (const auto& name : update->absent) {
    context.warn("sequence " + name + " is no longer on the target (dropped there?): not set");
  }
  for (const auto& name : update->gone) {
    context.warn("sequence " + name +
                 " is gone from the source (dropped since the run began): the "
                 "target keeps it at the value copied with the schema");
  }
  auto done =
      co_await target.query("BEGIN; " + update->sql + mark_step_sql("sequences") + "; COMMIT");
  if (!done) co_return fail(std::move(done.error()).within("setting sequences"));
  co_return Status{};
}

// Large objects keep their OIDs; each is rewritten whole (unlink + create + put) in one
// transaction, so a rerun converges. Pieces travel as hex text and are measured in decoded bytes,
// whatever the source's bytea_output. Each object is hashed as it is read; after the last commit
// every object of the target is read back and hashed (--verify full; --verify count compares the
// sets of OIDs). Differences (changed, missing, extra) end the run with exit 1, naming the OIDs.
Task<Status> copy_large_objects(RunContext& context, pg::Connection& reader,
                                pg::Connection& target) {
  auto oids = co_await pg::read_large_object_oids(reader);
  if (!oids) co_return fail(oids.error());
  std::map<std::uint32_t, verify::LargeObjectDigest> source_digests;
  std::uint64_t total_bytes = 0;
  for (auto oid : *oids) {
    if (context.stopping) co_return fail(ErrorKind::kInterrupted, "interrupted");
    auto copied = co_await copy_large_object(reader, target, oid);
    if (!copied) co_return fail(copied.error());
    source_digests[oid] = *copied;
    total_bytes += copied->bytes;
  }
  if (context.options.verify != VerifyMode::kOff) {
    std::map<std::uint32_t, verify::LargeObjectDigest> target_digests;
    if (context.options.verify == VerifyMode::kFull) {
      auto read = co_await verify::digest_large_objects(target);
      if (!read) co_return fail(std::move(read.error()).within("target"));
      target_digests = std::move(*read);
    } else {
      // --verify count compares the sets of OIDs: a copied object counts as equal.
      auto on_target = co_await pg::read_large_object_oids(target);
      if (!on_target) co_return fail(on_target.error());
      for (auto oid : *on_target) {
        auto copied = source_digests.find(oid);
        target_digests[oid] =
            copied != source_digests.end() ? copied->second : verify::LargeObjectDigest{};
      }
    }
    auto differences = verify::compare_large_objects(source_digests, target_digests);
    for (const auto& difference : differences) {
      spdlog::error("large object {} {}: {}", difference.oid, difference.kind, difference.detail);
    }
    if (!oids->empty() || !differences.empty()) {
      context.finishing_reports.push_back(verify::large_objects_report(
          oids->size(), target_digests.size(), total_bytes, differences, true));
    }
  }
  auto marked = co_await target.query(mark_step_sql("large_objects"));
  if (!marked) co_return fail(marked.error());
  co_return Status{};
}

// The table finishers analyzed every other table. Partitions and partitioned parents come now,
// after post-data attached the partition indexes, and so do tables that post-data gave extended
// statistics (CREATE STATISTICS), whose statistics only an ANALYZE after it computes.
Task<Status> analyze_tables(RunContext& context, pg::Connection& target) {
  auto with_statistics = co_await target.query(
      "SELECT DISTINCT n.nspname, c.relname FROM pg_catalog.pg_statistic_ext s "
      "JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace");
  if (!with_statistics) co_return fail(with_statistics.error());
  std::set<std::pair<std::string, std::string>> extended;
  for (int row = 0; row < with_statistics->rows(); ++row) {
    extended.emplace(with_statistics->text(row, 0), with_statistics->text(row, 1));
  }
  std::vector<std::string> statements;
  for (const auto& table : context.tables) {
    if (table.partitioned_parent || table.is_partition ||
        extended.count({table.schema, table.name})) {
      statements.push_back("ANALYZE " + pg::qualified_name(table));
    }
  }
  if (auto done = co_await run_parallel(context, statements); !done) co_return done;
  auto marked = co_await target.query(mark_step_sql("analyze"));
  if (!marked) co_return fail(marked.error());
  co_return Status{};
}

}  // namespace

Task<Status> finalize_run(RunContext& context, pg::Connection* snapshot_reader) {
  auto target = co_await context.target_sessions.acquire();
  if (!target) co_return fail(target.error());
  auto phase = co_await (*target)->query("UPDATE pgshift.run SET phase = 'finalize'");
  if (!phase) co_return fail(phase.error());

  struct Step {
    const char* name;
    const char* label;
  };
  for (Step step : {Step{"foreign_keys", "foreign keys"}, Step{"post_data", "post-data"},
                    Step{"sequences", "sequences"}, Step{"large_objects", "large objects"},
                    Step{"matviews", "materialized views"}, Step{"analyze", "analyze"}}) {
    if (context.stopping) co_return fail(ErrorKind::kInterrupted, "interrupted");
    auto done = co_await step_done(**target, step.name);
    if (!done) co_return fail(done.error());
    if (*done) continue;
    context.progress->set_phase(step.label);
    Status result;
    std::string name = step.name;
    if (name == "foreign_keys") {
      result = co_await create_remaining_foreign_keys(context, **target);
      if (result) {
        auto marked = co_await (*target)->query(mark_step_sql("foreign_keys"));
        if (!marked) result = fail(marked.error());
      }
    } else if (name == "post_data") {
      result = co_await apply_post_data(**target);
      target->set_holds_session_state(true);  // the script's SETs outlive its transaction
    } else if (name == "sequences") {
      result = co_await copy_sequences(context, **target);
    } else if (name == "large_objects") {
      if (snapshot_reader) {
        result = co_await copy_large_objects(context, *snapshot_reader, **target);
      } else {
        auto marked = co_await (*target)->query(mark_step_sql("large_objects"));
        if (!marked) result = fail(marked.error());
      }
    } else if (name == "matviews") {
      if (snapshot_reader) {
        result = co_await refresh_matviews(context, *snapshot_reader, **target);
      } else {
        auto marked = co_await (*target)->query(mark_step_sql("matviews"));
        if (!marked) result = fail(marked.error());
      }
    } else {
      result = co_await analyze_tables(context, **target);
    }
    if (!result) co_return result;
  }
  // Synchronous, unlike the run's other commits (run_context.cpp): flushing this commit flushes
  // every earlier one, so the run is durable on the target before it says it is done.
  auto finished = co_await (*target)->query(
      "BEGIN; SET LOCAL synchronous_commit = on; "
      "UPDATE pgshift.run SET phase = 'done', finished_at = now(); COMMIT");
  if (!finished) co_return fail(finished.error());
  co_return Status{};
}

}  // namespace pgshift
