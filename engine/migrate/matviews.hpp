// Materialized views arrive from pg_dump's schema WITH NO DATA. This finishing step refreshes on
// the target every one that is populated in the source (at the run's snapshot), after post-data,
// a materialized view after every one it reads (directly or through views). Each refresh commits
// with its own mark in pgshift.steps ("matview <schema>.<name>"), so a rerun after a crash
// refreshes only the ones left; the step is marked done after the last, in the transaction that
// empties again the unpopulated views that had to be filled for a populated one to refresh.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/migrate/run_context.hpp"

namespace pgshift {

// `names` ordered so that each comes after every name it depends on (`depends_on`: pairs of
// (name, a name it reads)); otherwise in the given order. Names in a cycle, which PostgreSQL does
// not allow, keep the given order at the end. Pure.
std::vector<std::string> refresh_order(
    const std::vector<std::string>& names,
    const std::vector<std::pair<std::string, std::string>>& depends_on);

// What the step does: refresh `order`, then empty again (REFRESH ... WITH NO DATA) `emptied`,
// the views unpopulated in the source that a populated one reads (directly or through others):
// PostgreSQL refreshes no view over an unpopulated one. Pure.
struct RefreshPlan {
  std::vector<std::string> order;
  std::vector<std::string> emptied;
};
RefreshPlan plan_refresh(const std::vector<std::string>& populated,
                         const std::vector<std::string>& unpopulated,
                         const std::vector<std::pair<std::string, std::string>>& depends_on);

// `source`: the PostgreSQL source inside the run's snapshot.
Task<Status> refresh_matviews(RunContext& context, pg::Connection& source, pg::Connection& target);

}  // namespace pgshift
