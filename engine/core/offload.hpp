// Runs a blocking function on a thread pool and resumes the awaiting coroutine on its own
// executor with the function's result, so that blocking library calls (SQLite reads) do not stall
// the event loop that every worker's network I/O shares.
//
// Lifetimes: the function runs after the awaiting coroutine suspended and may still be running if
// that coroutine's frame is destroyed (io_context torn down at shutdown). It must therefore touch
// only state that outlives the pool's threads (own the pool next to that state and join it before
// the state goes), never references into the awaiting coroutine's frame.
#pragma once

#include <type_traits>

#include "engine/core/asio.hpp"

namespace pgshift {

template <typename Fn>
Task<std::invoke_result_t<Fn&>> run_blocking(asio::thread_pool& pool, Fn fn) {
  using R = std::invoke_result_t<Fn&>;
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(R)>(
      [&pool, fn = std::move(fn)](auto handler) mutable {
        // Keeps the caller's executor alive until the result is delivered on it.
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        asio::post(pool, [handler = std::move(handler), fn = std::move(fn),
                          work = std::move(work)]() mutable {
          R result = fn();
          auto executor = work.get_executor();
          asio::post(executor,
                     [handler = std::move(handler), result = std::move(result)]() mutable {
                       std::move(handler)(std::move(result));
                     });
        });
      },
      asio::use_awaitable);
}

}  // namespace pgshift
