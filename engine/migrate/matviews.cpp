#include "engine/migrate/matviews.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "engine/model/pg_quote.hpp"
#include "verify/matviews.hpp"

namespace pgshift {
namespace {

// (materialized view, a materialized view it reads directly or through plain views), as quoted
// qualified names. The rewrite rule of a view or materialized view depends on what its query reads.
constexpr const char* kDependenciesSql = R"SQL(
  WITH RECURSIVE reads(matview, relation) AS (
    SELECT r.ev_class, d.refobjid
    FROM pg_catalog.pg_rewrite r
    JOIN pg_catalog.pg_class m ON m.oid = r.ev_class AND m.relkind = 'm'
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
     AND d.objid = r.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
     AND d.refobjid <> r.ev_class
    UNION
    SELECT reads.matview, d.refobjid
    FROM reads
    JOIN pg_catalog.pg_class v ON v.oid = reads.relation AND v.relkind = 'v'
    JOIN pg_catalog.pg_rewrite r ON r.ev_class = v.oid
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
     AND d.objid = r.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
     AND d.refobjid <> r.ev_class)
  SELECT DISTINCT pg_catalog.format('%I.%I', mn.nspname, m.relname),
         pg_catalog.format('%I.%I', rn.nspname, rc.relname)
  FROM reads
  JOIN pg_catalog.pg_class m ON m.oid = reads.matview
  JOIN pg_catalog.pg_namespace mn ON mn.oid = m.relnamespace
  JOIN pg_catalog.pg_class rc ON rc.oid = reads.relation AND rc.relkind = 'm'
  JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace)SQL";

std::string step_name(const std::string& qualified) {
  return "matview " + qualified;
}

std::string mark_sql(const std::string& step) {
  // An upsert: a run state written before this step existed has no row for it.
  return "INSERT INTO pgshift.steps (name, done, finished_at) VALUES (" + pg::quote_literal(step) +
         ", true, now()) ON CONFLICT (name) DO UPDATE SET done = true, finished_at = now()";
}

}  // namespace

std::vector<std::string> refresh_order(
    const std::vector<std::string>& names,
    const std::vector<std::pair<std::string, std::string>>& depends_on) {
  std::map<std::string, std::set<std::string>> waits_for;
  std::set<std::string> known(names.begin(), names.end());
  for (const auto& [name, read] : depends_on) {
    if (known.count(name) && known.count(read) && name != read) waits_for[name].insert(read);
  }
  std::vector<std::string> out;
  std::set<std::string> placed;
  // Repeated passes keep the given order among names that are ready together; the lists are
  // short (one entry per materialized view).
  for (bool progress = true; progress && out.size() < names.size();) {
    progress = false;
    for (const auto& name : names) {
      if (placed.count(name)) continue;
      const auto& reads = waits_for[name];
      if (std::all_of(reads.begin(), reads.end(),
                      [&](const std::string& read) { return placed.count(read) > 0; })) {
        out.push_back(name);
        placed.insert(name);
        progress = true;
      }
    }
  }
  for (const auto& name : names) {
    if (!placed.count(name)) out.push_back(name);
  }
  return out;
}

RefreshPlan plan_refresh(const std::vector<std::string>& populated,
                         const std::vector<std::string>& unpopulated,
                         const std::vector<std::pair<std::string, std::string>>& depends_on) {
  std::set<std::string> needed(populated.begin(), populated.end());
  std::set<std::string> empty(unpopulated.begin(), unpopulated.end());
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [name, read] : depends_on) {
      if (needed.count(name) && empty.count(read) && needed.insert(read).second) grew = true;
    }
  }
  RefreshPlan plan;
  std::vector<std::string> names = populated;
  for (const auto& name : unpopulated) {
    if (needed.count(name)) {
      names.push_back(name);
      plan.emptied.push_back(name);
    }
  }
  plan.order = refresh_order(names, depends_on);
  return plan;
}

Task<Status> refresh_matviews(RunContext& context, pg::Connection& source, pg::Connection& target) {
  auto in_source = co_await verify::read_matviews(source, context.options.filter);
  if (!in_source) co_return fail(std::move(in_source.error()).within("source"));
  auto on_target = co_await verify::read_matviews(target, context.options.filter);
  if (!on_target) co_return fail(std::move(on_target.error()).within("target"));
  std::set<std::string> present;
  for (const auto& matview : *on_target) present.insert(matview.qualified);
  std::vector<std::string> populated, unpopulated;
  for (const auto& matview : *in_source) {
    if (!present.count(matview.qualified)) continue;
    (matview.populated ? populated : unpopulated).push_back(matview.qualified);
  }
  auto edges = co_await target.query(kDependenciesSql);
  if (!edges) co_return fail(std::move(edges.error()).within("reading materialized view order"));
  std::vector<std::pair<std::string, std::string>> depends_on;
  for (int row = 0; row < edges->rows(); ++row) {
    depends_on.emplace_back(edges->text(row, 0), edges->text(row, 1));
  }
  auto done =
      co_await target.query("SELECT name FROM pgshift.steps WHERE done AND name LIKE 'matview %'");
  if (!done) co_return fail(done.error());
  std::set<std::string> refreshed;
  for (int row = 0; row < done->rows(); ++row) refreshed.insert(done->text(row, 0));

  auto plan = plan_refresh(populated, unpopulated, depends_on);
  for (const auto& qualified : plan.order) {
    if (context.stopping) co_return fail(ErrorKind::kInterrupted, "interrupted");
    std::string step = step_name(qualified);
    if (refreshed.count(step)) continue;
    context.progress->set_phase("refreshing materialized view " + qualified);
    auto applied = co_await target.query("BEGIN; REFRESH MATERIALIZED VIEW " + qualified + "; " +
                                         mark_sql(step) + "; COMMIT");
    if (!applied) {
      co_await target.query("ROLLBACK");
      co_return fail(
          std::move(applied.error()).within("refreshing materialized view " + qualified));
    }
    spdlog::debug("refreshed materialized view {}", qualified);
  }
  std::string finish = "BEGIN; ";
  for (const auto& qualified : plan.emptied) {
    finish += "REFRESH MATERIALIZED VIEW " + qualified + " WITH NO DATA; ";
  }
  auto finished = co_await target.query(finish + mark_sql("matviews") + "; COMMIT");
  if (!finished) {
    co_await target.query("ROLLBACK");
    co_return fail(std::move(finished.error()).within("materialized views"));
  }
  co_return Status{};
}

}  // namespace pgshift
