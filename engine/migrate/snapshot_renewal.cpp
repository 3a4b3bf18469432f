#include "engine/migrate/snapshot_renewal.hpp"

#include <spdlog/spdlog.h>

#include "connectors/pg/chunk_sql.hpp"
#include "connectors/pg/pg_source_session.hpp"
#include "connectors/pg/session.hpp"
#include "connectors/pg/snapshot.hpp"

namespace pgshift {
namespace {

constexpr const char* kInvalidSnapshot = "22023";  // invalid_parameter_value

// Keyless tables of several ctid-range chunks with a chunk done or claimed (locked by a copy in
// flight) while another is still to copy: those would mix two snapshots.
constexpr const char* kSplitKeylessSql = R"SQL(
SELECT t.schema_name || '.' || t.table_name FROM pgshift.tables t
WHERE t.keyless
  AND (SELECT count(*) FROM pgshift.chunks c WHERE c.table_id = t.table_id) > 1
  AND EXISTS (SELECT 1 FROM pgshift.chunks c WHERE c.table_id = t.table_id AND c.state <> 'done')
  AND (EXISTS (SELECT 1 FROM pgshift.chunks c WHERE c.table_id = t.table_id AND c.state = 'done')
       OR (SELECT count(*) FROM pgshift.chunks c
           WHERE c.table_id = t.table_id AND c.state <> 'done') >
          (SELECT count(*) FROM (SELECT 1 FROM pgshift.chunks c
                                 WHERE c.table_id = t.table_id AND c.state <> 'done'
                                 FOR UPDATE SKIP LOCKED) free))
ORDER BY 1)SQL";

Task<Status> move_to_new_snapshot(RunContext& context, const Error& why) {
  auto target = co_await context.target_sessions.acquire();
  if (!target) co_return fail(target.error());
  // In a transaction rolled back at once: the row locks taken to see what is in flight go too.
  auto split = co_await (*target)->query(std::string("BEGIN; ") + kSplitKeylessSql);
  co_await (*target)->query("ROLLBACK");
  if (!split) co_return fail(split.error());
  if (split->rows() > 0) {
    co_return fail(ErrorKind::kRuntime,
                   why.message + "; the run's exported snapshot is gone, and table " +
                       split->text(0, 0) +
                       " has no key and is copied in ctid ranges, which are exact only within "
                       "one snapshot: rerun the same command to copy it again at a new snapshot");
  }
  auto exporter = co_await pg::open_session(context.options.source, "source");
  if (!exporter) co_return fail(exporter.error());
  auto exported = co_await pg::begin_and_export_snapshot(*exporter);
  if (!exported) co_return fail(std::move(exported.error()).within("a new snapshot"));
  std::string snapshot = std::move(*exported);
  auto saved =
      co_await (*target)->query("UPDATE pgshift.run SET snapshot = " + pg::quote_literal(snapshot));
  if (!saved) co_return fail(saved.error());
  std::string warning = "moved to a new snapshot: the run's exported snapshot was lost (" +
                        why.message + "); tables copied before reflect an earlier point in time";
  spdlog::warn("{}", warning);
  context.warnings.push_back(std::move(warning));
  context.snapshot = std::move(snapshot);
  if (context.renewed_exporter) co_await context.renewed_exporter->query("COMMIT");
  context.renewed_exporter.emplace(std::move(*exporter));
  co_return Status{};
}

// One renewal for all the workers that found `lost` gone; later ones use its result.
Task<Status> renew_snapshot(RunContext& context, std::string lost, Error why) {
  while (context.renewing_snapshot) co_await context.snapshot_renewed.wait();
  if (context.snapshot != lost) co_return Status{};
  context.renewing_snapshot = true;
  Status renewed;
  try {
    renewed = co_await move_to_new_snapshot(context, why);
  } catch (...) {
    context.renewing_snapshot = false;
    context.snapshot_renewed.notify();
    throw;
  }
  context.renewing_snapshot = false;
  context.snapshot_renewed.notify();
  co_return renewed;
}

}  // namespace

Task<Result<pg::Connection*>> live_snapshot_reader(RunContext& context,
                                                   pg::Connection* coordinator) {
  pg::Connection* reader = context.renewed_exporter ? &*context.renewed_exporter : coordinator;
  if (!reader) co_return reader;
  auto alive = co_await reader->query("SELECT 1");
  if (alive) co_return reader;
  if (auto renewed = co_await renew_snapshot(context, context.snapshot, alive.error()); !renewed) {
    co_return fail(renewed.error());
  }
  co_return &*context.renewed_exporter;
}

SourceSessionFactory renewing_snapshot_factory(RunContext& context) {
  // Reads context.snapshot at each call, so a renewed snapshot is the one imported.
  auto importing = pg::snapshot_session_factory(context.options.source, context.snapshot);
  return [&context, importing]() -> Task<Result<std::unique_ptr<SourceSession>>> {
    std::string tried = context.snapshot;
    auto opened = co_await importing();
    if (opened || opened.error().sqlstate != kInvalidSnapshot) co_return opened;
    if (auto renewed = co_await renew_snapshot(context, tried, opened.error()); !renewed) {
      co_return fail(renewed.error());
    }
    co_return co_await importing();
  };
}

}  // namespace pgshift
