// A coroutine started now whose Result is awaited later, so two servers can work at once (the
// source counting its rows while the target drains). Owns the result; must outlive the task (it
// is completed on the same executor). One waiter; io_context thread only.
#pragma once

#include <exception>
#include <optional>

#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"

namespace pgshift::cutover {

template <class T>
class PendingResult {
 public:
  explicit PendingResult(asio::any_io_executor executor) : executor_(executor), done_(executor) {
    done_.expires_at(asio::steady_timer::time_point::max());
  }

  void start(Task<Result<T>> task) {
    result_.reset();
    asio::co_spawn(executor_, std::move(task), [this](std::exception_ptr thrown, Result<T> result) {
      if (thrown) {
        result_ = fail(ErrorKind::kRuntime, "broken invariant in a concurrent step");
      } else {
        result_ = std::move(result);
      }
      done_.cancel();
    });
  }

  Task<Result<T>> get() {
    while (!result_) {
      boost::system::error_code ignored;
      co_await done_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    co_return std::move(*result_);
  }

 private:
  asio::any_io_executor executor_;
  asio::steady_timer done_;
  std::optional<Result<T>> result_;
};

}  // namespace pgshift::cutover
