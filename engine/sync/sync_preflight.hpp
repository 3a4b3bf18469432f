// The readiness checks `plan` reports for the zero-downtime path, enforced before `sync` creates
// anything: logical decoding on, a free slot and WAL sender, the right to replicate, and a replica
// identity on every selected table (set to FULL with --replica-identity-full, said in the report).
// Runs queries on the caller's source session; the only write is that ALTER TABLE.
#pragma once

#include <string>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/model/table.hpp"
#include "engine/sync/sync_options.hpp"

namespace pgshift::sync {

// Refuses (exit 2) with every unmet check and its fix. `warnings` gets what was changed.
Task<Status> check_sync_readiness(pg::Connection& source, const SyncOptions& options,
                                  const std::vector<Table>& tables, bool slot_exists,
                                  std::vector<std::string>& warnings);

}  // namespace pgshift::sync
