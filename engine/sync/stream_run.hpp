// What the tasks of one `pgshift sync` process share: the options, the stream's recorded state,
// the positions as they move, and the signals between the receiver (source -> spill) and the
// applier (spill -> target). Created by the sync command; outlives every task of the run. Only
// touched on the io_context thread: no locks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "connectors/pg/connection.hpp"
#include "connectors/pg/replication/lsn.hpp"
#include "engine/pipeline/byte_queue.hpp"
#include "engine/sync/sync_options.hpp"
#include "engine/sync/sync_state.hpp"

namespace pgshift::sync {

struct StreamRun {
  StreamRun(asio::any_io_executor executor, SyncOptions options)
      : options(std::move(options)), executor(executor), spilled(executor), applied(executor) {}

  SyncOptions options;
  asio::any_io_executor executor;
  StreamState state;  // as recorded in the target (slot, publication, positions at start)
  std::optional<pg::Lsn> endpos;
  // Where the snapshot of this process's copy stands in the stream, if it resumed a copy whose
  // snapshot was lost (slot_setup.hpp create_resumed_snapshot).
  pg::Lsn copy_resumed_at;

  // Receiver: the stream is complete and durable up to here (the last whole transaction spilled,
  // or a later position the server reported while nothing of ours was in flight); the source was
  // told so (flushed). Also the furthest end of WAL the server mentioned, for the lag in bytes.
  pg::Lsn durable;
  pg::Lsn server_wal_end;
  long long spill_bytes = 0;  // compressed, as last measured
  // Counted and notified after each spill commit and each advance of `durable` (a waiter that
  // compares the count before and after its read cannot miss one).
  long long spill_generation = 0;
  Notifier spilled;

  // Applier: end of the last source transaction committed in the target, its commit time.
  pg::Lsn applied_lsn;
  std::int64_t applied_commit_time_us = 0;
  long long changes_applied = 0;
  // Everything durable up to here is applied: the spill held nothing more when last read.
  pg::Lsn caught_up_through;
  Notifier applied;

  std::string phase = "copying";
  bool stopping = false;
  // The session holding the stream lock (sync_command.cpp), for the whole run.
  std::optional<pg::Connection> lock_session;
};

}  // namespace pgshift::sync
