// Runs one job's pieces over several target connections at once (up to `lanes`: one always, the
// others while the run's extra-lane budget lasts, RunContext::extra_lanes_free): each lane takes a
// session from the run's pool and calls `next` until it returns false (nothing left), an error, or
// the run is stopping. The first error wins and the other lanes stop at their next piece. Runs on
// the run's event loop; `next` is called from one thread, so it may share plain state between
// lanes.
#pragma once

#include <functional>

#include "connectors/pg/connection.hpp"
#include "engine/migrate/run_context.hpp"

namespace pgshift {

using LanePiece = std::function<Task<Result<bool>>(pg::Connection&)>;

Task<Status> run_target_lanes(RunContext& context, int lanes, LanePiece next);

}  // namespace pgshift
