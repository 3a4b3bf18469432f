// Waiting a while inside a coroutine without blocking the event loop (poll intervals, retry
// backoff). Runs on the caller's executor; a cancelled timer simply ends the wait early.
#pragma once

#include <chrono>

#include "engine/core/asio.hpp"

namespace pgshift {

inline Task<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(duration);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace pgshift
