// The run's session pool against a real server: a session given back idle is handed out again
// (same backend), prepared once; a session given back inside a transaction, marked as holding
// session state, or killed by the server while it sat in the pool is never handed out again.
#include <gtest/gtest.h>

#include "connectors/pg/session_pool.hpp"
#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

class SessionPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uri_ = fresh_database(target_cluster(), "pool");
    auto endpoint = Endpoint::parse(uri_, "target");
    ASSERT_TRUE(endpoint.has_value());
    pool_.emplace(
        *endpoint, "target",
        [this](pg::Connection& connection) -> Task<Status> {
          ++prepared_;
          auto set = co_await connection.query("SET application_name = 'pool-test'");
          if (!set) co_return fail(set.error());
          co_return Status{};
        },
        4);
  }

  // Runs `body` on the io_context until it finishes.
  void run(std::function<Task<void>()> body) {
    bool finished = false;
    asio::co_spawn(io_, body(), [&](std::exception_ptr crashed) {
      finished = true;
      if (crashed) std::rethrow_exception(crashed);
    });
    io_.run();
    io_.restart();
    ASSERT_TRUE(finished);
  }

  static Task<std::string> backend_of(pg::PooledSession& session) {
    auto pid = co_await session->query("SELECT pg_backend_pid()::text");
    co_return pid ? pid->text(0, 0) : std::string("error: ") + pid.error().message;
  }

  asio::io_context io_;
  std::string uri_;
  int prepared_ = 0;
  std::optional<pg::SessionPool> pool_;
};

TEST_F(SessionPoolTest, IdleSessionIsReusedAndPreparedOnce) {
  run([this]() -> Task<void> {
    std::string first, second;
    {
      auto session = co_await pool_->acquire();
      EXPECT_TRUE(session.has_value());
      first = co_await backend_of(*session);
    }
    {
      auto session = co_await pool_->acquire();
      EXPECT_TRUE(session.has_value());
      second = co_await backend_of(*session);
      auto name = co_await (*session)->query("SHOW application_name");
      EXPECT_EQ(name->text(0, 0), "pool-test");
    }
    EXPECT_EQ(first, second);
    EXPECT_EQ(prepared_, 1);
    EXPECT_EQ(pool_->opened(), 1u);
  });
}

TEST_F(SessionPoolTest, SessionInTransactionOrHoldingStateIsNotReused) {
  run([this]() -> Task<void> {
    std::string in_transaction, holding, after;
    {
      auto session = co_await pool_->acquire();
      in_transaction = co_await backend_of(*session);
      co_await (*session)->query("BEGIN");  // given back mid-transaction: must be closed
    }
    {
      auto session = co_await pool_->acquire();
      holding = co_await backend_of(*session);
      co_await (*session)->query("SELECT pg_advisory_lock(1)");
      session->set_holds_session_state(true);
    }
    {
      auto session = co_await pool_->acquire();
      after = co_await backend_of(*session);
      // The lock went with the closed session: this one can take it at once.
      auto locked = co_await (*session)->query("SELECT pg_try_advisory_lock(1)");
      EXPECT_TRUE(locked && locked->boolean(0, 0));
      co_await (*session)->query("SELECT pg_advisory_unlock_all()");
    }
    EXPECT_NE(in_transaction, holding);
    EXPECT_NE(holding, after);
    EXPECT_NE(in_transaction, after);
    EXPECT_EQ(pool_->opened(), 3u);
  });
}

TEST_F(SessionPoolTest, SessionKilledWhileIdleIsReplaced) {
  run([this]() -> Task<void> {
    std::string killed;
    {
      auto session = co_await pool_->acquire();
      killed = co_await backend_of(*session);
    }
    exec(uri_, "SELECT pg_terminate_backend(" + killed + ")");
    // The server closes the socket shortly after the signal.
    for (int i = 0; i < 50 && scalar(uri_, "SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                                               killed) != "0";
         ++i) {
      asio::steady_timer timer(io_);
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(asio::use_awaitable);
    }
    auto session = co_await pool_->acquire();
    EXPECT_TRUE(session.has_value());
    std::string replacement = co_await backend_of(*session);
    EXPECT_NE(replacement, killed);
    EXPECT_EQ(replacement.rfind("error", 0), std::string::npos) << replacement;
    EXPECT_EQ(pool_->opened(), 2u);
  });
}

}  // namespace
}  // namespace pgshift::test
