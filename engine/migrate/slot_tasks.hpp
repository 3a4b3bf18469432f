// Background target jobs of a run (table finishers, early foreign keys) run beside the copy
// workers in `jobs` shared slots, so the target never does more than `jobs` such builds at once
// while every copy worker runs; each worker that runs out of chunks adds its slot
// (migrate_command.cpp), so the finishers left at the end run up to 2 x `jobs` at once.
// A job is retried with backoff on transient failures (--retries); anything else becomes the
// run's fatal error, unless the job is marked optional: then it is only logged, and left for the
// finishing steps to do again. Runs on the run's event loop.
#pragma once

#include <functional>
#include <string>

#include "engine/migrate/run_context.hpp"

namespace pgshift {

using SlotJob = std::function<Task<Status>()>;

enum class SlotFailure { kFatal, kLeaveForLater };

// Starts `job` as a detached task counted in context.slot_tasks_unfinished; `what` names it in
// messages ("public.orders", "foreign key orders_customer_fkey").
void start_slot_task(RunContext& context, std::string what, SlotJob job,
                     SlotFailure on_failure = SlotFailure::kFatal);

// Waits until every started slot task has ended.
Task<void> wait_for_slot_tasks(RunContext& context);

}  // namespace pgshift
