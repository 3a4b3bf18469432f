#include "engine/migrate/target_lanes.hpp"

#include <algorithm>
#include <optional>

#include "engine/core/fault.hpp"
#include "engine/core/task_guard.hpp"

namespace pgshift {

Task<Status> run_target_lanes(RunContext& context, int lanes, LanePiece next) {
  std::optional<Error> first_error;
  // The first lane always runs (so no job waits for another's lanes); more only within the
  // run-wide budget, given back at the end.
  int extra = std::clamp(lanes - 1, 0, context.extra_lanes_free);
  context.extra_lanes_free -= extra;
  int running = 1 + extra;
  Notifier done(context.executor);
  auto lane = [&]() -> Task<void> {
    auto connection = co_await context.target_sessions.acquire();
    if (!connection) {
      if (!first_error) first_error = connection.error();
      co_return;
    }
    while (!first_error && !context.stopping) {
      fault_point("throw-in-target-lane");
      auto more = co_await next(**connection);
      if (!more) {
        if (!first_error) first_error = more.error();
        break;
      }
      if (!*more) break;
    }
  };
  for (int i = running; i > 0; --i) {
    spawn_task(context.executor, "target lane", lane(), [&](Status ended) {
      if (!ended && !first_error) first_error = std::move(ended.error());
      --running;
      done.notify();
    });
  }
  while (running > 0) co_await done.wait();
  context.extra_lanes_free += extra;
  if (first_error) co_return fail(std::move(*first_error));
  co_return Status{};
}

}  // namespace pgshift
