#include "engine/state/run_presence.hpp"

#include <spdlog/spdlog.h>

#include "connectors/pg/chunk_sql.hpp"
#include "connectors/pg/session.hpp"

namespace pgshift::state {

RunPresence::RunPresence(asio::any_io_executor executor, Endpoint target, std::string worker)
    : timer_(executor), target_(std::move(target)), worker_(std::move(worker)) {}

void RunPresence::stop() {
  stopped_ = true;
  timer_.cancel();
}

Task<void> RunPresence::run() {
  auto session = co_await pg::open_session(target_, "target");
  if (!session) {
    spdlog::debug("run presence: {}", session.error().message);
    co_return;
  }
  auto locked = co_await session->query(
      "SELECT pg_catalog.pg_advisory_lock_shared(" + std::to_string(kPresenceLockClass) + ", " +
      std::to_string(kPresenceLockObject) + "), pg_catalog.now()::text");
  if (!locked) {
    spdlog::debug("run presence: {}", locked.error().message);
    co_return;
  }
  // The period is keyed by this process and its start, so a reused pid starts a new period.
  std::string beat =
      "DO $$ BEGIN IF pg_catalog.to_regclass('pgshift.activity') IS NOT NULL THEN "
      "INSERT INTO pgshift.activity (worker, started_at) VALUES (" +
      pg::quote_literal(worker_) + ", " + pg::quote_literal(locked->text(0, 1)) +
      ") ON CONFLICT (worker, started_at) DO UPDATE SET last_seen = pg_catalog.now(); "
      "END IF; END $$";
  while (true) {
    if (auto beaten = co_await session->query(beat); !beaten) {
      spdlog::debug("run presence: {}", beaten.error().message);
      if (beaten.error().connection_lost) co_return;
    }
    if (stopped_) co_return;
    if (woken_) {  // woken during the beat: beat again at once
      woken_ = false;
      continue;
    }
    timer_.expires_after(kHeartbeat);
    boost::system::error_code ignored;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    woken_ = false;
    // stop() lands here: one last beat records the end of the period.
  }
}

}  // namespace pgshift::state
