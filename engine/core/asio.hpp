// The one place Asio is included. Boost 1.74's awaitable.hpp uses std::exchange without
// including <utility>, so <utility> must come first (see shared/TOOLCHAIN.md).
#pragma once

#include <utility>

// Boost 1.74 enables co_await for clang only with <experimental/coroutine> (the coroutines TS);
// clang 14 (the libFuzzer build) has C++20 coroutines and libstdc++'s <coroutine>, so say so.
#if defined(__clang__) && !defined(BOOST_ASIO_HAS_CO_AWAIT) && defined(__cpp_impl_coroutine) && \
    __has_include(<coroutine>)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#endif

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace pgshift {
namespace asio = boost::asio;
template <class T = void>
using Task = asio::awaitable<T>;
}  // namespace pgshift
