// Runs one coroutine of engine code to its end on a fresh io_context, in an integration test:
// `body` returns a Task<void>; an exception it throws reaches the test. Header-only.
#pragma once

#include <gtest/gtest.h>

#include <exception>

#include "engine/core/asio.hpp"

namespace pgshift::test {

template <class Body>
void run_coroutine(Body body) {
  asio::io_context io;
  bool finished = false;
  asio::co_spawn(io, body(), [&](std::exception_ptr crashed) {
    finished = true;
    if (crashed) std::rethrow_exception(crashed);
  });
  io.run();
  ASSERT_TRUE(finished);
}

}  // namespace pgshift::test
