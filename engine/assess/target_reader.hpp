// Reads the target's facts: the server (server_reader), the extensions it offers, the tables it
// already holds (and whether they hold rows), its roles, schema public, and a pgshift run recorded
// in it. read_target_tables is also migrate's emptiness check. Reads only.
#pragma once

#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/assess/facts.hpp"

namespace pgshift::assess {

// Up to 1000 user tables of the target, each with whether it holds any row.
Task<Result<std::vector<TargetTable>>> read_target_tables(pg::Connection& target);

// User schemas of the connected database (system ones and pgshift's left out).
Task<Result<std::vector<std::string>>> read_user_schemas(pg::Connection& connection);

Task<Result<TargetFacts>> read_target_facts(pg::Connection& target, const Endpoint& endpoint);

// What `pgshift plan` reads of the target: the pooler probe (outside any transaction), then
// read_target_facts inside a read-only transaction.
Task<Result<TargetFacts>> assess_target(pg::Connection& target, const Endpoint& endpoint);

}  // namespace pgshift::assess
