#include "engine/core/task_guard.hpp"

#include <stdexcept>

namespace pgshift {

Error crash_error(std::exception_ptr crashed, std::string_view what) {
  std::string reason = "unknown exception";
  try {
    std::rethrow_exception(crashed);
  } catch (const std::exception& error) {
    reason = error.what();
  } catch (...) {
  }
  return Error{ErrorKind::kRuntime, std::string(what) + " failed: internal error: " + reason};
}

Task<Status> guarded(std::string what, Task<Status> task) {
  std::exception_ptr crashed;
  try {
    co_return co_await std::move(task);
  } catch (...) {
    crashed = std::current_exception();
  }
  co_return fail(crash_error(crashed, what));
}

Task<Status> guarded(std::string what, Task<void> task) {
  std::exception_ptr crashed;
  try {
    co_await std::move(task);
    co_return Status{};
  } catch (...) {
    crashed = std::current_exception();
  }
  co_return fail(crash_error(crashed, what));
}

void spawn_task(asio::any_io_executor executor, std::string what, Task<Status> task,
                std::function<void(Status)> done) {
  // guarded() itself could still throw (out of memory): the handler covers that too.
  asio::co_spawn(executor, guarded(what, std::move(task)),
                 [what, done = std::move(done)](std::exception_ptr crashed, Status status) {
                   done(crashed ? fail(crash_error(crashed, what)) : std::move(status));
                 });
}

void spawn_task(asio::any_io_executor executor, std::string what, Task<void> task,
                std::function<void(Status)> done) {
  asio::co_spawn(executor, guarded(what, std::move(task)),
                 [what, done = std::move(done)](std::exception_ptr crashed, Status status) {
                   done(crashed ? fail(crash_error(crashed, what)) : std::move(status));
                 });
}

}  // namespace pgshift
