// The checks that decide whether a migration may start: pure functions from facts (facts.hpp) to
// findings, each naming the objects involved and a one-line fix. Shared by `pgshift plan` (which
// lists them all) and `pgshift migrate` (which refuses on the first blocker, exit 2, before any
// write). Unit-tested without a server.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/assess/facts.hpp"
#include "engine/assess/finding.hpp"
#include "engine/assess/provider.hpp"

namespace pgshift::assess {

// "15.4" from 150004; "9.6" from 90624.
std::string version_text(int version_num);

// The target must run the source's major version or a newer one.
std::optional<Finding> check_versions(int source_version_num, int target_version_num);

// The target must hold no rows pgshift did not put there, no table the schema would create
// again, and no schema pg_dump's CREATE SCHEMA would collide with ("public" always exists).
// Findings in the order migrate meets them; migrate refuses on the first.
std::vector<Finding> check_target_empty(
    const std::vector<TargetTable>& target_tables,
    const std::vector<std::pair<std::string, std::string>>& source_tables,
    const std::vector<std::string>& target_schemas, const std::vector<std::string>& source_schemas);

// A pgshift run recorded in the target is resumed by migrate (a note); else check_target_empty.
std::vector<Finding> check_target_state(
    const TargetFacts& target,
    const std::vector<std::pair<std::string, std::string>>& source_tables,
    const std::vector<std::string>& source_schemas);

// Extensions the source uses (those migrate creates) against what the target server offers.
std::vector<Finding> check_extensions(const std::vector<ExtensionFact>& used,
                                      const TargetFacts& target, Provider target_provider);

// Reading every table and sequence, and exporting a snapshot, on the source.
std::vector<Finding> check_source_privileges(const SourceFacts& source);

// Tables whose rows row-level security would hide from the source user (pgshift reads with
// row_security = off, so such a table would fail mid-copy): refused before any write.
// `side` is "source" or "target" (verify reads both).
std::optional<Finding> check_row_security(const std::string& side, const std::string& user,
                                          const std::vector<TableFacts>& tables);

// Creating schemas and tables on the target; a writable primary.
std::vector<Finding> check_target_privileges(const TargetFacts& target, bool source_uses_public);

// Columns whose type has no binary send/receive functions (binary COPY cannot carry them).
std::vector<Finding> check_binary_io(const std::vector<TableFacts>& tables);

// A transaction pooler (PgBouncer, Supavisor) between pgshift and `server`.
std::optional<Finding> check_pooler(const ServerFacts& server);
// A pgshift slot keeping more than kRetainedWalWarnBytes of WAL on the source (a sync that is not
// running, or cannot keep up): the source's disk fills until it is followed or dropped.
inline constexpr long long kRetainedWalWarnBytes = 2LL << 30;
std::vector<Finding> check_retained_wal(const ServerFacts& source);

}  // namespace pgshift::assess
