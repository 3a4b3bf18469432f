// The change stream's state, kept in the target's `pgshift` schema beside the copy's run state so
// that a rerun from any machine resumes (DESIGN invariant 5): the slot and publication, the
// positions (received = durable in the spill and acknowledged to the source; applied = committed in
// the target with the changes), and the spill itself (zstd segments of raw pgoutput messages) with
// the Relation messages the applier needs to read it. Functions run on the caller's connection;
// the caller chooses the transaction (a spill append and its position commit together).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "connectors/pg/replication/lsn.hpp"

namespace pgshift::sync {

// Created once the copy's run state exists (the schema marks a recorded run).
inline constexpr const char* kCreateSyncStateSql = R"SQL(
CREATE TABLE IF NOT EXISTS pgshift.sync (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  slot_name text NOT NULL,
  publication text NOT NULL,
  start_lsn pg_lsn NOT NULL,
  received_lsn pg_lsn NOT NULL,
  applied_lsn pg_lsn NOT NULL,
  applied_commit_time timestamptz,
  changes_applied bigint NOT NULL DEFAULT 0,
  phase text NOT NULL DEFAULT 'copying',
  endpos pg_lsn,
  lag_bytes bigint NOT NULL DEFAULT 0,
  lag_seconds float8 NOT NULL DEFAULT 0,
  spill_bytes bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS pgshift.spill (
  seq bigserial PRIMARY KEY,
  complete boolean NOT NULL,
  end_lsn pg_lsn,
  raw_bytes integer NOT NULL,
  data bytea NOT NULL);
CREATE TABLE IF NOT EXISTS pgshift.stream_relations (
  relation_oid bigint PRIMARY KEY,
  message bytea NOT NULL);
-- Keyless tables copied at a snapshot later than the slot's start (a copy resumed after its
-- snapshot was lost): changes committed before copied_at are in the copy already, and applying
-- them again would duplicate rows (nothing identifies a row to upsert on).
CREATE TABLE IF NOT EXISTS pgshift.stream_keyless_copies (
  schema_name text,
  table_name text,
  copied_at pg_lsn NOT NULL,
  PRIMARY KEY (schema_name, table_name));
-- The keys the change stream touched since the copy (touched_keys.hpp), as folded from touched_log
-- by the last check, which cutover re-verifies;
-- key '{}' = the whole table changed (no usable key, or TRUNCATE). Collation "C": the primary key
-- index takes a row per key per batch, and bytewise comparison is the cheapest.
CREATE TABLE IF NOT EXISTS pgshift.touched_keys (
  schema_name text COLLATE "C",
  table_name text COLLATE "C",
  key text[] COLLATE "C" NOT NULL,
  touched_lsn pg_lsn NOT NULL,
  PRIMARY KEY (schema_name, table_name, key));
-- What apply batches append: one row per table per batch, the keys as one array, no index, so
-- recording costs the apply path one small insert. Folded into touched_keys by the check
-- (verify/changed_keys.hpp), off the apply path.
CREATE TABLE IF NOT EXISTS pgshift.touched_log (
  schema_name text NOT NULL,
  table_name text NOT NULL,
  keys text[] NOT NULL,
  touched_lsn pg_lsn NOT NULL);
)SQL";

struct StreamState {
  std::string slot_name;
  std::string publication;
  pg::Lsn start_lsn;     // the slot's consistent point: the copy's snapshot
  pg::Lsn received_lsn;  // end of the last whole source transaction durable in the spill
  pg::Lsn applied_lsn;   // end of the last source transaction applied to the target
  std::string phase;     // copying | catching-up | streaming | cutover | done
  long long changes_applied = 0;
  // A stream with no copy before it: the reverse stream a cutover --reverse sets up from the new
  // primary back to the old source, which were equal at that point.
  bool stream_only = false;
};

Task<Result<std::optional<StreamState>>> load_stream_state(pg::Connection& target);
// The schema and the state's row (nothing if a row is there), for the caller's transaction.
std::string insert_stream_state_sql(const StreamState& state);
Task<Status> set_stream_phase(pg::Connection& target, std::string_view phase);
// What `status` shows of a live stream, written by the process following it. Returns the phase
// recorded: a cutover's (`cutover`, `done`) is kept over the one given.
Task<Result<std::string>> record_stream_view(pg::Connection& target, std::string_view phase,
                                             long long lag_bytes, double lag_seconds,
                                             long long spill);

// Records `copied_at` for the keyless tables whose copy is not done: the copy about to run reads
// them (again, whole) at the snapshot taken there.
Task<Status> record_keyless_copies(pg::Connection& target, pg::Lsn copied_at);
// (schema, table) -> copied_at, as recorded.
using KeylessCopies = std::map<std::pair<std::string, std::string>, pg::Lsn>;
Task<Result<KeylessCopies>> load_keyless_copies(pg::Connection& target);

struct SpillSegment {
  long long seq = 0;
  std::vector<std::byte> raw;  // uncompressed (spill_codec.hpp)
};

// SQL appending one segment (compressed here), for the caller's transaction.
std::string append_segment_sql(std::span<const std::byte> raw, bool complete,
                               std::optional<pg::Lsn> end_lsn);
// Complete segments after `after_seq`, in order, at most `max_segments` (each at most
// kMaxSegmentBytes uncompressed: change_receiver.hpp), so memory stays bounded.
Task<Result<std::vector<SpillSegment>>> read_segments(pg::Connection& target, long long after_seq,
                                                      int max_segments);
// Compressed bytes the spill holds now.
Task<Result<long long>> spill_bytes(pg::Connection& target);

std::string hex_bytes(std::span<const std::byte> bytes);

}  // namespace pgshift::sync
