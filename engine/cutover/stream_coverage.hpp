// What the source has that the target would lack after the switch, though the stream looked
// caught up: it carries rows of the tables in its publication only. Tables the run's selection
// takes on the source now but the stream does not follow (made, or attached as partitions, since
// the sync began) and sequences on the source missing from the target are refusals (exit 2): the
// application would find no rows, or no sequence, on the new primary. Tables the stream followed
// that are gone from the source are warnings (the target keeps them). Reads only; runs on the
// cutover's event loop, on its sessions, before the freeze and again once frozen.
#pragma once

#include <string>
#include <vector>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/connection.hpp"

namespace pgshift::cutover {

// The selection is the one the run recorded (state::load_run_filter) in `run_holder` (the target;
// for a rollback the current primary, whose forward run it was), narrowed by the cutover's own
// --exclude-table and --exclude-schema (to leave a new table out knowingly); the cutover's
// options alone for a run recorded without it. Returns the warnings; a refusal names every
// table and sequence at fault.
// How messages name the two servers ("the source", or the endpoint for a rollback).
struct Sides {
  std::string source, target;
};

// `reverse`: a rollback's stream, which never copied anything.
Task<Result<std::vector<std::string>>> check_stream_coverage(pg::Connection& source,
                                                             pg::Connection& target,
                                                             pg::Connection& run_holder,
                                                             const std::string& publication,
                                                             const pg::TableFilter& cutover_filter,
                                                             const Sides& sides, bool reverse);

}  // namespace pgshift::cutover
