#include "engine/assess/sqlite_plan_command.hpp"

#include <algorithm>
#include <thread>

#include "connectors/pg/session.hpp"
#include "engine/assess/server_speed.hpp"
#include "engine/assess/sqlite_reader.hpp"
#include "engine/assess/target_reader.hpp"
#include "engine/command/source_options.hpp"

namespace pgshift::assess {

Task<Status> assess_sqlite_source(SqliteAssessment& a, const PlanOptions& options) {
  sqlite::SourceOptions source_options = sqlite_migrate_source_options(options);
  plan::PlannerOptions planner;
  planner.chunk_bytes = options.chunk_bytes;
  planner.workers = options.jobs;
  auto facts = read_sqlite_facts(options.source.sqlite_path(), source_options, planner);
  if (!facts) co_return fail(facts.error());
  if (auto matched = check_includes_matched(options.filter, facts->tables); !matched) {
    co_return matched;
  }
  a.source = std::move(*facts);
  a.jobs = options.jobs;
  a.on_type_error = options.on_type_error;

  std::optional<TargetFacts> target;
  double target_speed = 1;
  if (auto session = co_await pg::open_session(options.target, "target"); !session) {
    a.target_error = session.error().message;
  } else if (auto read = co_await assess_target(*session, options.target); !read) {
    a.target_error = read.error().message;
  } else {
    target = std::move(*read);
    a.target_reached = true;
    a.target = target->server;
    a.target_provider = detect_provider(a.target);
    if (auto speed = co_await measure_server_speed(*session)) target_speed = *speed;
  }
  judge_sqlite(a, target ? &*target : nullptr);
  // The file is read on this machine: a local target shares its cores with pgshift's readers.
  int shared_cores = options.target.on_this_machine()
                         ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
                         : 0;
  a.estimate = estimate_sqlite(a.source, options.jobs, options.verify != VerifyMode::kOff,
                               shared_cores, target_speed);
  co_return Status{};
}

}  // namespace pgshift::assess
