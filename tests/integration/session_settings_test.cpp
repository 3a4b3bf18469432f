// pgshift's sessions do not inherit the server's timeouts (a hosted provider's
// statement_timeout, lock_timeout, idle_in_transaction_session_timeout would end a long run),
// still allow a transaction's own SET LOCAL, and probe idle TCP connections with keepalives
// (60 s) unless the connection string says otherwise.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "connectors/pg/session.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/run_coroutine.hpp"

namespace pgshift::test {
namespace {

int keepalive_idle(pg::Connection& connection) {
  int seconds = -1;
  socklen_t length = sizeof seconds;
  getsockopt(PQsocket(connection.raw()), IPPROTO_TCP, TCP_KEEPIDLE, &seconds, &length);
  return seconds;
}

TEST(SessionSettings, ServerTimeoutsAreOffAndKeepalivesOn) {
  std::string uri = fresh_database(source_cluster(), "settings");
  std::string name = uri.substr(uri.rfind('/') + 1);
  exec(uri, "ALTER DATABASE " + name + " SET statement_timeout = '1s'; ALTER DATABASE " + name +
                " SET lock_timeout = '1s'; ALTER DATABASE " + name +
                " SET idle_in_transaction_session_timeout = '1s'");
  auto endpoint = Endpoint::parse(uri, "source");
  ASSERT_TRUE(endpoint.has_value());
  run_coroutine([&]() -> Task<void> {
    auto session = co_await pg::open_session(*endpoint, "source");
    EXPECT_TRUE(session.has_value());
    if (!session) co_return;
    auto settings = co_await session->query(
        "SELECT current_setting('statement_timeout') || ',' || current_setting('lock_timeout') "
        "|| ',' || current_setting('idle_in_transaction_session_timeout')");
    EXPECT_TRUE(settings.has_value());
    if (settings) {
      EXPECT_EQ(settings->text(0, 0), "0,0,0");
    }
    // Longer than the database's statement_timeout: it runs.
    auto slept = co_await session->query("SELECT pg_catalog.pg_sleep(1.2)");
    EXPECT_TRUE(slept.has_value()) << slept.error().message;
    // A transaction's own timeout still applies within it, and ends with it.
    auto local = co_await session->query(
        "BEGIN; SET LOCAL lock_timeout = '50ms'; SELECT current_setting('lock_timeout')");
    EXPECT_TRUE(local.has_value());
    if (local) {
      EXPECT_EQ(local->text(0, 0), "50ms");
    }
    auto after = co_await session->query("COMMIT; SELECT current_setting('lock_timeout')");
    EXPECT_TRUE(after.has_value());
    if (after) {
      EXPECT_EQ(after->text(0, 0), "0");
    }
    EXPECT_EQ(keepalive_idle(*session), 60);
  });

  // The connection string's own keepalive settings win.
  auto tuned = Endpoint::parse(uri + "?keepalives_idle=77", "source");
  ASSERT_TRUE(tuned.has_value());
  run_coroutine([&]() -> Task<void> {
    auto session = co_await pg::open_session(*tuned, "source");
    EXPECT_TRUE(session.has_value());
    if (session) {
      EXPECT_EQ(keepalive_idle(*session), 77);
    }
  });
  exec(uri, "ALTER DATABASE " + name + " RESET ALL");
}

}  // namespace
}  // namespace pgshift::test
