// The receiving half of the change stream: follows the slot (START_REPLICATION, pgoutput), writes
// every message as it arrives into the spill in the target, and only after that commit tells the
// source the position as flushed (DESIGN invariant 5), so the source can recycle its WAL during a
// copy of many hours and a rerun from any machine finds every change. Whole transactions are
// spilled as complete segments; a transaction larger than a segment is spilled in incomplete
// segments that its commit completes (a crash drops them: the source sends it again). Memory is one
// segment. Runs on the run's io_context until the run stops or the connection fails.
#pragma once

#include <cstddef>

#include "engine/sync/stream_run.hpp"

namespace pgshift::sync {

// Largest uncompressed segment: the receiver's buffer and the applier's read unit.
inline constexpr std::size_t kMaxSegmentBytes = 4 << 20;

Task<Status> run_change_receiver(StreamRun& run);

}  // namespace pgshift::sync
