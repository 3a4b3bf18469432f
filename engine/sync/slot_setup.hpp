// The source side of one sync: a publication for the selected tables and a logical slot
// (pgoutput), created in that order (pgoutput reads the publication through the catalog as of each
// change, so it must exist before the slot's first one). The slot's exported snapshot is imported
// by the copy's coordinator session and exported again from there, so the copy reads at exactly
// the slot's starting point while the replication connection is already free. Names derive from
// the target, so an unfinished first attempt is found and replaced by the next.
#pragma once

#include <string>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/model/table.hpp"
#include "engine/sync/sync_state.hpp"

namespace pgshift::sync {

// "pgshift_" and 16 hex digits of a hash of the target's display form: one name for the slot and
// the publication.
std::string stream_object_name(const Endpoint& target);

Task<Result<bool>> slot_exists(pg::Connection& source, const std::string& slot);
// Whether the source has invalidated `slot` (PostgreSQL 13+: wal_status 'lost', once the slot kept
// more WAL than max_slot_wal_keep_size allows): the changes it had not yet sent are gone, and no
// rerun can stream them.
Task<Result<bool>> slot_lost(pg::Connection& source, const std::string& slot);
// The refusal for such a slot: what was lost from where, and how to go on.
std::string lost_slot_message(const std::string& slot, const pg::Lsn& received);

// Creates the publication (for the tables that hold rows: partitions, not their parents) and the
// slot, then leaves `coordinator` inside a REPEATABLE READ transaction at the slot's snapshot.
// Returns the snapshot exported from that transaction. `state.slot_name` names both objects
// (stream_object_name); fills the publication's name and the positions. Objects of that name left
// by an attempt that recorded nothing are dropped first, once the killed attempt's WAL sender has
// let go of the slot (it may run on for a moment; at most 10 s is waited).
Task<Result<std::string>> create_stream_at_snapshot(pg::Connection& coordinator,
                                                    const Endpoint& source,
                                                    const std::vector<Table>& tables,
                                                    StreamState& state);

// For a copy resumed after its snapshot was lost: a temporary slot (dropped again at once) gives a
// snapshot whose position in the stream is known, imported into `coordinator` as above. Returns
// the snapshot and that position: the snapshot sees exactly the transactions whose commit record
// begins before it (Begin.final_lsn < position), the stream sends the others.
struct ResumedSnapshot {
  std::string snapshot;
  pg::Lsn position;
};
Task<Result<ResumedSnapshot>> create_resumed_snapshot(pg::Connection& coordinator,
                                                      const Endpoint& source,
                                                      const std::string& slot_name);

// Drops the slot and the publication if present (cleanup, --restart); `dropped_any`, when given,
// tells whether either was there. A slot in use by another process is an Error naming it.
Task<Status> drop_stream_objects(pg::Connection& source, const std::string& slot,
                                 const std::string& publication, bool* dropped_any = nullptr);

// For a new run whose set-up failed after create_stream_at_snapshot made the slot but before the
// run was recorded in the target (a target that is not empty, an --include-table that matches
// nothing, a schema the target refuses): drops that slot and publication on a session of its own,
// once the slot's WAL sender has let go, so that no slot is left holding the source's WAL for a run
// that never started.
Task<Status> drop_unrecorded_stream(const Endpoint& source, const std::string& name,
                                    bool* dropped_any = nullptr);

}  // namespace pgshift::sync
