#include "engine/assess/server_speed.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

namespace pgshift::assess {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kTries = 3;
constexpr const char* kHashQuery =
    "SELECT pg_catalog.sum(pg_catalog.hashtext(g::pg_catalog.text)) "
    "FROM pg_catalog.generate_series(1, 400000) g";

// The best of kTries runs of `sql`, in seconds; none if it fails.
Task<std::optional<double>> best_time(pg::Connection& server, const char* sql) {
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < kTries; ++i) {
    auto start = Clock::now();
    auto done = co_await server.query(sql);
    if (!done) co_return std::nullopt;
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  co_return best;
}

}  // namespace

double relative_speed(double best_query_seconds, double best_round_trip_seconds) {
  double computing = std::max(1e-4, best_query_seconds - best_round_trip_seconds);
  return std::clamp(kReferenceHashSeconds / computing, 0.25, 4.0);
}

Task<std::optional<double>> measure_server_speed(pg::Connection& server) {
  auto round_trip = co_await best_time(server, "SELECT 1");
  if (!round_trip) co_return std::nullopt;
  auto hashing = co_await best_time(server, kHashQuery);
  if (!hashing) co_return std::nullopt;
  co_return relative_speed(*hashing, *round_trip);
}

}  // namespace pgshift::assess
