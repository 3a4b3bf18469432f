#include "engine/compare/both_sides.hpp"

#include <optional>

#include "engine/core/task_guard.hpp"
#include "engine/pipeline/byte_queue.hpp"

namespace pgshift {

Task<Status> on_both_sides(asio::any_io_executor executor, Task<Status> source_side,
                           Task<Status> target_side) {
  std::optional<Status> target_status;
  Notifier target_done(executor);
  spawn_task(executor, "target reader", std::move(target_side), [&](Status ended) {
    target_status = std::move(ended);
    target_done.notify();
  });
  Status source_status = co_await guarded("source reader", std::move(source_side));
  while (!target_status) co_await target_done.wait();
  if (!source_status) co_return source_status;
  co_return std::move(*target_status);
}

}  // namespace pgshift
