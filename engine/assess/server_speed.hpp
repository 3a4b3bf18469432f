// How fast the target server computes, relative to the machine the estimate's assumed rates were
// calibrated on: a fixed CPU-bound query (hashing 400,000 numbers' text), timed a few times, the
// network round trip taken off. Index builds, ANALYZE, the fixed per-run costs and everything a
// SQLite source's plan cannot sample on the target scale with it. Runs on the caller's session,
// outside any transaction it needs; writes nothing.
#pragma once

#include <optional>

#include "connectors/pg/connection.hpp"

namespace pgshift::assess {

// The query's best time on the calibration machine (bench/e2e, PostgreSQL 15, 2 cores).
inline constexpr double kReferenceHashSeconds = 0.048;

// Speed relative to the calibration machine (2 = twice as fast), kept within [0.25, 4]; none when
// the query could not run.
Task<std::optional<double>> measure_server_speed(pg::Connection& server);

// The same from timings, pure: the query's best seconds and the best round trip.
double relative_speed(double best_query_seconds, double best_round_trip_seconds);

}  // namespace pgshift::assess
