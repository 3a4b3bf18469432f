// Tables that the run's selection takes on the source now but that its change stream does not
// follow: made (or attached as partitions) since the sync began, whose publication lists the
// tables of that moment. Their rows would not be on the target after the switch, so cutover
// refuses while there are any. Reads only; runs on the cutover's event loop, on its sessions.
#pragma once

#include <string>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/connection.hpp"

namespace pgshift::cutover {

// The selection is the one the run recorded (state::load_run_filter), narrowed by the cutover's
// own --exclude-table and --exclude-schema (to leave such a table out knowingly); the cutover's
// options alone for a run recorded without it. A refusal names every such table.
Task<Status> refuse_unfollowed_tables(pg::Connection& source, pg::Connection& target,
                                      const std::string& publication,
                                      const pg::TableFilter& cutover_filter);

}  // namespace pgshift::cutover
