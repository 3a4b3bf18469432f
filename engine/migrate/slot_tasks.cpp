#include "engine/migrate/slot_tasks.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace pgshift {
namespace {

Task<void> run_in_slot(RunContext& context, std::string what, SlotJob job, SlotFailure on_failure) {
  while (context.task_slots_free <= 0 && !context.stopping) {
    co_await context.task_slots_changed.wait();
  }
  if (!context.stopping) {
    --context.task_slots_free;
    for (int attempt = 1;; ++attempt) {
      auto done = co_await job();
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
  std::string crashed_what = what;
  asio::co_spawn(context.executor,
                 run_in_slot(context, std::move(what), std::move(job), on_failure),
                 [&context, crashed_what](std::exception_ptr crashed) {
                   if (crashed) {
                     context.record_fatal(
                         Error{ErrorKind::kRuntime, crashed_what + ": background task crashed"});
                   }
                 });
}

Task<void> wait_for_slot_tasks(RunContext& context) {
  while (context.slot_tasks_unfinished > 0) co_await context.task_slots_changed.wait();
}

}  // namespace pgshift
