#include "engine/migrate/slot_tasks.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "engine/core/fault.hpp"
#include "engine/core/task_guard.hpp"

namespace pgshift {
namespace {

Task<Status> run_job(const SlotJob& job) {
  fault_point("throw-in-slot-task");
  co_return co_await job();
}

Task<void> run_in_slot(RunContext& context, std::string what, SlotJob job, SlotFailure on_failure) {
  while (context.task_slots_free <= 0 && !context.stopping) {
    co_await context.task_slots_changed.wait();
  }
  if (!context.stopping) {
    --context.task_slots_free;
    for (int attempt = 1;; ++attempt) {
      // A job that throws broke an invariant: fatal even for an optional job, and the slot and
      // the count below must still be given back.
      Status done;
      std::exception_ptr crashed;
      try {
        done = co_await run_job(job);
      } catch (...) {
        crashed = std::current_exception();
      }
      if (crashed) {
        context.record_fatal(crash_error(crashed, what));
        break;
      }
      if (done || context.stopping) break;
      if (!done.error().retryable() || attempt > context.options.max_retries) {
        if (on_failure == SlotFailure::kFatal) {
          context.record_fatal(std::move(done.error()).within(what));
        } else {
          spdlog::debug("{}: {} (left for the finishing steps)", what, done.error().message);
        }
        break;
      }
      spdlog::warn("{}: {} (retry {}/{})", what, done.error().message, attempt,
                   context.options.max_retries);
      asio::steady_timer timer(context.executor);
      timer.expires_after(std::chrono::milliseconds(500 << std::min(attempt, 5)));
      boost::system::error_code ignored;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    ++context.task_slots_free;
  }
  --context.slot_tasks_unfinished;
  context.task_slots_changed.notify();
}

}  // namespace

void start_slot_task(RunContext& context, std::string what, SlotJob job, SlotFailure on_failure) {
  ++context.slot_tasks_unfinished;
  std::string name = what;
  spawn_task(context.executor, std::move(name),
             run_in_slot(context, std::move(what), std::move(job), on_failure),
             [&context](Status ended) {
               if (ended) return;
               // run_in_slot itself failed before its own bookkeeping: do it here.
               context.record_fatal(std::move(ended.error()));
               --context.slot_tasks_unfinished;
               context.task_slots_changed.notify();
             });
}

Task<void> wait_for_slot_tasks(RunContext& context) {
  while (context.slot_tasks_unfinished > 0) co_await context.task_slots_changed.wait();
}

}  // namespace pgshift
