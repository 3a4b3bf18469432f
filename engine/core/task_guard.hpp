// Tasks that cannot fail silently. An exception that escapes a coroutine spawned with
// asio::detached is dropped, and one that escapes into a completion handler skips whatever
// bookkeeping the task would have done at its end (counters its owner waits on), so the run
// waits forever. guarded() turns an escaped exception into an Error naming the task and carrying
// the exception's what(); spawn_task() starts a task and calls `done` exactly once with how it
// ended. Exceptions still mean a broken invariant: the run stops with that error (exit 3).
// Runs on the caller's executor; not thread-safe beyond what Asio gives.
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <string_view>

#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"

namespace pgshift {

// "<what> failed: internal error: <what()>" for an exception that escaped a task.
Error crash_error(std::exception_ptr crashed, std::string_view what);

// Awaits `task`; an exception escaping it comes back as crash_error(…, what).
Task<Status> guarded(std::string what, Task<Status> task);
Task<Status> guarded(std::string what, Task<void> task);

// Starts `task` on `executor`; `done` runs once on the executor when it ends, with its status
// (Status{} for a Task<void> that returned) or the crash error.
void spawn_task(asio::any_io_executor executor, std::string what, Task<Status> task,
                std::function<void(Status)> done);
void spawn_task(asio::any_io_executor executor, std::string what, Task<void> task,
                std::function<void(Status)> done);

}  // namespace pgshift
