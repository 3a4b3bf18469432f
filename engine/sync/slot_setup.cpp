#include "engine/sync/slot_setup.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

#include "connectors/pg/replication/replication_connection.hpp"
#include "connectors/pg/session.hpp"
#include "connectors/pg/snapshot.hpp"
#include "engine/core/sleep_for.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sync {

std::string stream_object_name(const Endpoint& target) {
  // FNV-1a: stable across builds and machines, which std::hash is not promised to be.
  std::uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : target.display()) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char name[32];
  std::snprintf(name, sizeof name, "pgshift_%016llx", static_cast<unsigned long long>(hash));
  return name;
}

Task<Result<bool>> slot_exists(pg::Connection& source, const std::string& slot) {
  auto found = co_await source.query(
      "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = " +
      pg::quote_literal(slot) + ")");
  if (!found) co_return fail(found.error());
  co_return found->boolean(0, 0);
}

Task<Result<bool>> slot_lost(pg::Connection& source, const std::string& slot) {
  if (source.server_version() < 130000) co_return false;  // no wal_status before 13
  auto found = co_await source.query(
      "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE wal_status = 'lost' "
      "AND slot_name = " +
      pg::quote_literal(slot) + ")");
  if (!found) co_return fail(found.error());
  co_return found->boolean(0, 0);
}

std::string lost_slot_message(const std::string& slot, const pg::Lsn& received) {
  return "replication slot " + slot +
         " was invalidated by the source (it kept more WAL than max_slot_wal_keep_size allows), "
         "so the changes after " +
         received.text() +
         " are gone; rerun with --restart to copy again, after raising max_slot_wal_keep_size "
         "(-1: no limit) or with sync kept running so that the slot keeps up";
}

Task<Status> drop_stream_objects(pg::Connection& source, const std::string& slot,
                                 const std::string& publication, bool* dropped_any) {
  auto exists = co_await slot_exists(source, slot);
  if (!exists) co_return fail(exists.error());
  auto published = co_await source.query(
      "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = " +
      pg::quote_literal(publication) + ")");
  if (!published) co_return fail(published.error());
  if (dropped_any) *dropped_any = *exists || published->boolean(0, 0);
  if (*exists) {
    auto dropped = co_await source.query("SELECT pg_catalog.pg_drop_replication_slot(" +
                                         pg::quote_literal(slot) + ")");
    if (!dropped) {
      co_return fail(std::move(dropped.error()).within("dropping replication slot " + slot));
    }
  }
  auto dropped =
      co_await source.query("DROP PUBLICATION IF EXISTS " + pg::quote_identifier(publication));
  if (!dropped) {
    co_return fail(std::move(dropped.error()).within("dropping publication " + publication));
  }
  co_return Status{};
}

namespace {

// How long a killed attempt's WAL sender may take to notice its client is gone.
constexpr auto kOrphanSlotRelease = std::chrono::seconds(10);

// Waits (at most `limit`) until no WAL sender uses `slot`: the one of a process killed while it
// created the slot runs on until it next writes to its dead client.
Task<Status> wait_for_slot_release(pg::Connection& source, const std::string& slot,
                                   std::chrono::steady_clock::duration limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto active = co_await source.query(
        "SELECT 1 FROM pg_catalog.pg_replication_slots WHERE active AND slot_name = " +
        pg::quote_literal(slot));
    if (!active) co_return fail(active.error());
    if (active->rows() == 0 || std::chrono::steady_clock::now() > deadline) co_return Status{};
    co_await sleep_for(std::chrono::milliseconds(100));
  }
}

// Leaves `coordinator` in a REPEATABLE READ transaction at the slot's exported snapshot (alive
// while the slot's replication connection is) and returns that snapshot exported again.
Task<Result<std::string>> import_slot_snapshot(pg::Connection& coordinator,
                                               const std::string& snapshot) {
  auto imported = co_await coordinator.query(pg::begin_at_snapshot_sql(snapshot) +
                                             "; SELECT pg_catalog.pg_export_snapshot()");
  if (!imported) {
    co_return fail(std::move(imported.error()).within("importing the slot's snapshot"));
  }
  co_return imported->text(0, 0);
}

}  // namespace

Task<Result<ResumedSnapshot>> create_resumed_snapshot(pg::Connection& coordinator,
                                                      const Endpoint& source,
                                                      const std::string& slot_name) {
  auto stream = co_await pg::ReplicationConnection::open(source, "source");
  if (!stream) co_return fail(stream.error());
  auto slot = co_await stream->create_slot(slot_name + "_resume", /*temporary=*/true);
  if (!slot) co_return fail(std::move(slot.error()).within("creating a temporary slot"));
  auto exported = co_await import_slot_snapshot(coordinator, slot->snapshot_name);
  if (!exported) co_return fail(exported.error());
  co_return ResumedSnapshot{std::move(*exported), slot->consistent_point};
}

Task<Result<std::string>> create_stream_at_snapshot(pg::Connection& coordinator,
                                                    const Endpoint& source,
                                                    const std::vector<Table>& tables,
                                                    StreamState& state) {
  std::string name = state.slot_name;
  state.publication = name;
  // Left by an attempt that stopped before it recorded anything in the target.
  if (auto released = co_await wait_for_slot_release(coordinator, name, kOrphanSlotRelease);
      !released) {
    co_return fail(released.error());
  }
  if (auto dropped = co_await drop_stream_objects(coordinator, name, name); !dropped) {
    co_return fail(dropped.error());
  }
  std::string listed;
  for (const auto& table : tables) {
    if (table.partitioned_parent) continue;
    listed += (listed.empty() ? "" : ", ") + pg::qualified_name(table);
  }
  std::string create = "CREATE PUBLICATION " + pg::quote_identifier(name) +
                       (listed.empty() ? std::string() : " FOR TABLE " + listed);
  auto published = co_await coordinator.query(create);
  if (!published) {
    co_return fail(ErrorKind::kRefused,
                   std::move(published.error()).within("creating publication " + name).message +
                       " (sync needs CREATE on the source database and ownership of the "
                       "tables, or a superuser)");
  }
  auto stream = co_await pg::ReplicationConnection::open(source, "source");
  if (!stream) co_return fail(ErrorKind::kRefused, stream.error().message);
  auto slot = co_await stream->create_slot(name);
  if (!slot) {
    co_return fail(ErrorKind::kRefused,
                   std::move(slot.error()).within("creating replication slot " + name).message);
  }
  auto exported = co_await import_slot_snapshot(coordinator, slot->snapshot_name);
  if (!exported) co_return fail(exported.error());
  state.start_lsn = slot->consistent_point;
  state.received_lsn = state.applied_lsn = slot->consistent_point;
  state.phase = "copying";
  spdlog::info("change stream: slot {} created at {}; the copy reads at its snapshot", name,
               slot->consistent_point.text());
  co_return *exported;
}

Task<Status> drop_unrecorded_stream(const Endpoint& source, const std::string& name,
                                    bool* dropped_any) {
  auto session = co_await pg::open_session(source, "source");
  if (!session) co_return fail(session.error());
  if (auto released = co_await wait_for_slot_release(*session, name, kOrphanSlotRelease);
      !released) {
    co_return released;
  }
  co_return co_await drop_stream_objects(*session, name, name, dropped_any);
}

}  // namespace pgshift::sync
