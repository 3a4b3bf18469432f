// One copy worker: a coroutine that claims chunks from the run state until none is left, copies
// each in one target transaction that also marks it done, verifies it by reading it back, and
// starts a table's index build when its last chunk lands. Retries transient failures (lost
// connection, server restart, serialization failure, deadlock) with backoff and fresh connections;
// anything else is recorded in the context as the run's fatal error.
#pragma once

#include "engine/migrate/run_context.hpp"

namespace pgshift {

Task<void> run_copy_worker(RunContext& context, int worker_number);

}  // namespace pgshift
