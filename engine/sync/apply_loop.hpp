// The applying half of the change stream: reads the spill in order, applies each source
// transaction once (ChangeApplier), and commits in the target, in one transaction, a batch of
// whole source transactions, the applied LSN, the Relation messages seen, and the removal of the
// spill segments wholly applied. After a crash it resumes from the recorded applied LSN: a
// transaction whose commit lies before it is skipped (exactly once). Runs on the run's io_context
// until the run stops, --endpos is reached (returns), or an error.
#pragma once

#include "engine/sync/stream_run.hpp"

namespace pgshift::sync {

Task<Status> run_apply_loop(StreamRun& run);

// Whether everything up to --endpos is applied and durable in the target.
bool endpos_reached(const StreamRun& run);

}  // namespace pgshift::sync
