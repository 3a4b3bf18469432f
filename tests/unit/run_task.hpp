// Runs one coroutine to its end on a private io_context, for unit tests of async code with fakes
// (no server). run_task_within gives nothing when the task did not end within the deadline, so a
// hang fails the test instead of blocking the suite; an exception escaping the task is rethrown.
#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include "engine/core/asio.hpp"

namespace pgshift::test {

template <class T>
std::optional<T> run_task_within(Task<T> task, std::chrono::seconds deadline) {
  asio::io_context io;
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr crashed, T value) {
    failure = crashed;
    if (!crashed) result.emplace(std::move(value));
  });
  io.run_for(deadline);
  if (failure) std::rethrow_exception(failure);
  return result;
}

template <class T>
T run_task(Task<T> task) {
  auto result = run_task_within(std::move(task), std::chrono::seconds(60));
  if (!result) throw std::runtime_error("the task did not end within 60 s");
  return std::move(*result);
}

}  // namespace pgshift::test
