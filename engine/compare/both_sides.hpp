// verify reads the source and the target at once: on_both_sides() runs one read per side
// concurrently on the caller's executor and returns when both have ended, whatever happened to
// either (the target side is spawned and ends through guarded(), so the wait always ends, and
// the source side cannot unwind the caller's frame under it). The caller's objects the two tasks
// refer to must outlive the co_await.
#pragma once

#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"

namespace pgshift {

// The source side's failure if it failed, else the target side's.
Task<Status> on_both_sides(asio::any_io_executor executor, Task<Status> source_side,
                           Task<Status> target_side);

}  // namespace pgshift
