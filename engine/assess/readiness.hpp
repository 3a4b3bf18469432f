// Readiness of a source for the zero-downtime path (sync + cutover): logical decoding
// (wal_level), a free replication slot and WAL sender, the right to replicate, and a usable
// replica identity on every table (once a table is published, the application's own UPDATE and
// DELETE on a table without one fail). Never blockers for a one-shot migrate; always reported.
// Pure functions; unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/assess/facts.hpp"
#include "engine/assess/provider.hpp"

namespace pgshift::assess {

struct ReadinessItem {
  std::string code;  // wal_level | replication_slots | wal_senders | replication_privilege |
                     // unlogged_tables (only when there are some)
  bool ok = false;
  std::string message;
  std::string fix;  // empty when ok
};

struct IdentityGap {
  std::string table;   // schema.name
  std::string reason;  // "no primary key (REPLICA IDENTITY DEFAULT)", ...
  std::string fix;     // one SQL line
};

struct Readiness {
  bool ready = false;
  std::string wal_level;
  int free_replication_slots = 0;
  int free_wal_senders = 0;
  bool replication_privilege = false;
  std::vector<ReadinessItem> items;
  std::vector<IdentityGap> tables_without_identity;
};

// A table whose UPDATE/DELETE logical replication cannot identify, with its fix; none if usable.
std::optional<IdentityGap> replica_identity_gap(const TableFacts& table);

Readiness judge_readiness(const ServerFacts& source, Provider provider,
                          const std::vector<TableFacts>& tables);

}  // namespace pgshift::assess
