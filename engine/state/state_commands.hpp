// `pgshift status` and `pgshift cleanup`: read or drop the run state kept in the target. Each runs
// its own short event loop and returns the process exit status.
#pragma once

#include "connectors/pg/endpoint.hpp"

namespace pgshift {

// `source` may be empty; given, the WAL a sync's slot keeps there is shown (and warned about).
int run_status_command(const Endpoint& source, const Endpoint& target, bool json);
// `source` may be empty (no --source): then only the target's state is dropped.
int run_cleanup_command(const Endpoint& source, const Endpoint& target, bool quiet);

}  // namespace pgshift
