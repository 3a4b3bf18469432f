// Run state in the target database, schema `pgshift`: the plan (tables, chunks with key ranges,
// the DDL pgshift runs itself, the remaining post-data script), each chunk's state, rows, digest
// and verification, and the finishing steps. A chunk's "done" row commits in the same target
// transaction as its rows, so after any crash a chunk is wholly there and marked, or absent and
// pending. Several processes share one run by claiming chunks with FOR UPDATE SKIP LOCKED.
// These functions build SQL and read rows; callers own connections and transactions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/connection.hpp"
#include "engine/model/table.hpp"
#include "verify/chunk_digest.hpp"
#include "verify/json.hpp"

namespace pgshift::state {

// Brings a run state written by an earlier pgshift up to this one's columns (a rerun after an
// upgrade). The catalog is read first, so that a current state takes no lock: an ALTER TABLE
// would wait for, and hold up, every other process's transaction on pgshift.ddl.
inline constexpr const char* kUpgradeStateSql =
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = "
    "'pgshift.ddl'::pg_catalog.regclass AND attname = 'references_table' AND NOT attisdropped) "
    "THEN ALTER TABLE pgshift.ddl ADD COLUMN references_table int; END IF; END $$";

// Serializes set-up between processes joining the same run (pg_advisory_xact_lock key).
inline constexpr long long kSetupLockKey = 0x7067736869667431LL;  // "pgshift1"

// Whether a run is recorded, read through the statement's snapshot. (to_regclass goes through the
// syscache, which does not see a schema committed while this session waited on an advisory lock.)
inline constexpr const char* kRunExistsSql =
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'pgshift')";

struct StoredRun {
  std::string phase;  // copy | finalize | done
  std::string fingerprint;
  std::string source;
  std::string started_at;
};

// A stable hash of what the plan depends on (tables, copied columns and types, keys).
std::string schema_fingerprint(const std::vector<Table>& tables);
std::string table_fingerprint(const Table& table);

// What differs between the recorded plan and the source now: "public.t (columns or key
// changed)", "public.u (new)", "public.v (gone)".
Task<Result<std::vector<std::string>>> describe_schema_changes(pg::Connection& target,
                                                               const std::vector<Table>& tables);

Task<Result<std::optional<StoredRun>>> load_run(pg::Connection& target);

// The run's table selection (--include-table, --exclude-table, --exclude-schema and the schemas a
// provider's source leaves out), kept with the run's options as JSON: cutover asks whether a
// table the selection takes on the source now is one the run does not follow.
verify::Json filter_json(const pg::TableFilter& filter);
// Nothing for a run recorded by a build that did not keep it.
Task<Result<std::optional<pg::TableFilter>>> load_run_filter(pg::Connection& target);

// A recorded run that finished with every chunk done (none pending or mismatched): a rerun has
// nothing to copy and needs no snapshot.
Task<Result<bool>> finished_with_nothing_to_redo(pg::Connection& target, const StoredRun& run);

// DDL of the state schema plus the plan rows; run inside the transaction that applies pre-data.
std::string create_state_sql(const std::vector<Table>& tables, const std::vector<Chunk>& chunks,
                             const std::vector<pg::TableDdl>& ddl,
                             const std::string& post_data_script, const std::string& fingerprint,
                             const std::string& source_display, const std::string& options_json);

// The sequences the run's pre-data created ("schema"."name", quoted): finalize sets exactly
// these. A run recorded before this table existed has none (to_regclass is NULL).
std::string record_sequences_sql(const std::vector<std::string>& qualified_names);

Task<Result<std::vector<Chunk>>> load_chunks(pg::Connection& target);

// Opens a read-committed target transaction and locks the next pending chunk in it (largest work
// first), skipping chunks other workers hold: one round trip. Returns (table, number), or nothing
// when no chunk is left to claim (the transaction is then still open: the caller ends it).
Task<Result<std::optional<std::pair<std::size_t, int>>>> claim_next_chunk(pg::Connection& target);

// Inside a target transaction: locks a chunk that is done but was never verified (its process
// stopped between the commit and the read-back), with the source digest recorded for it.
struct UnverifiedChunk {
  std::size_t table_index = 0;
  int number = 0;
  verify::ChunkDigest source_digest;
};
// `table`: only that table's chunks; otherwise chunks of tables whose indexes are built.
Task<Result<std::optional<UnverifiedChunk>>> claim_unverified_chunk(
    pg::Connection& target, std::optional<std::size_t> table);

std::string mark_chunk_done_sql(std::size_t table, int number, long long rows, std::int64_t bytes,
                                const verify::ChunkDigest& digest, const std::string& worker,
                                double seconds);
std::string mark_chunk_verified_sql(std::size_t table, int number, const std::string& mode,
                                    const verify::ChunkDigest& target_digest, bool equal);
std::string record_chunk_error_sql(std::size_t table, int number, const std::string& error);

struct ChunkProgress {
  std::size_t table = 0;
  int total = 0, done = 0, verified = 0, mismatched = 0;
  long long rows = 0;
  std::int64_t bytes = 0;
  double seconds = 0;
  std::string phase;
};
// Per table, from the state (works while other processes run).
Task<Result<std::vector<ChunkProgress>>> load_progress(pg::Connection& target);

// Marks a table's chunks complete -> 'indexing' if this caller is the one to do it: returns one row
// then. Sent after the COMMIT of the chunk's transaction (in the same query string, to save a
// round trip), so that of two workers committing a table's last chunks at once one sees both.
std::string claim_table_indexing_sql(std::size_t table);

struct PendingDdl {
  std::size_t table = 0;
  int ordinal = 0;
  std::string kind, name, sql;
  std::optional<std::size_t> references;  // foreign keys: the referenced table, when copied
};
Task<Result<std::vector<PendingDdl>>> load_pending_ddl(pg::Connection& target,
                                                       std::optional<std::size_t> table,
                                                       const std::string& kind_filter);
std::string mark_ddl_done_sql(const PendingDdl& ddl);

}  // namespace pgshift::state
