// Applies decoded pgoutput messages to the target, convergently (DESIGN invariant 4): an insert is
// an upsert on the replica-identity key, an update and a delete go by key, unchanged-TOAST ('u')
// columns are left out of the SET list, REPLICA IDENTITY FULL tables change exactly one row that
// equals the old row, TRUNCATE keeps its CASCADE / RESTART IDENTITY. Source transactions are
// batched into one target transaction; the caller commits at a source transaction boundary and
// records the applied LSN inside that same transaction (commit()). With record_touched_keys(), the
// keys each batch touched are recorded in pgshift.touched_keys in that transaction too
// (touched_keys.hpp): what cutover re-verifies.
// Owns nothing but its caches; `target` must outlive it, be used by nobody else meanwhile, and
// run with session_replication_role = replica (prepare_apply_session). One coroutine at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "connectors/pg/pipeline.hpp"
#include "connectors/pg/replication/pgoutput.hpp"
#include "engine/sync/apply_statements.hpp"
#include "engine/sync/touched_keys.hpp"

namespace pgshift::sync {

struct ApplyCounts {
  long long inserts = 0;
  long long updates = 0;
  long long deletes = 0;
  long long truncates = 0;
  long long transactions = 0;  // source transactions applied (Commit messages seen)
  // An update or delete found no row (a rerun's newer copy). Counted as the statement's result
  // is read: complete once commit() returned.
  long long missing_rows = 0;
};

// Makes `target` an apply session: triggers and foreign-key checks do not fire on applied changes,
// and each commit is synchronous (an acknowledged LSN must survive a target crash).
Task<Status> prepare_apply_session(pg::Connection& target);

class ChangeApplier {
 public:
  explicit ChangeApplier(pg::Connection& target);
  ~ChangeApplier();
  ChangeApplier(const ChangeApplier&) = delete;
  ChangeApplier& operator=(const ChangeApplier&) = delete;

  // Applies one message, in stream order. Relation messages (also those stored from an earlier
  // run, fed again before the first change) describe the columns; the first change applied under a
  // Relation whose columns differ from the target table stops with an Error naming the table and
  // the difference and saying how to continue. The first change opens the target transaction.
  // Changes are pipelined (connectors/pg/pipeline.hpp): a server error in a change may be
  // returned by a later apply() or by commit(), naming the statement and table; the open target
  // transaction is then lost and the caller starts again from its last commit.
  Task<Status> apply(const pg::pgoutput::Message& message);

  // Whether the last message applied ended a source transaction (Commit), so commit() may run.
  bool at_transaction_boundary() const { return in_source_transaction_ == false; }
  // Changes applied in the open target transaction.
  long long pending_changes() const { return pending_changes_; }
  // End LSN of the last source Commit applied (what commit() makes durable).
  pg::Lsn last_commit_end() const { return last_commit_end_; }
  // Commit timestamp of that Commit, microseconds since 2000-01-01 (for the lag in seconds).
  std::int64_t last_commit_time_us() const { return last_commit_time_us_; }

  // Records the touched keys of every later batch in pgshift.touched_keys (which must exist on the
  // target), stamped with the batch's last commit end LSN.
  void record_touched_keys() { record_touched_ = true; }

  // Runs `record_sql` (the applied-LSN record, spill clean-up) in the open target transaction,
  // then commits it. Does nothing but run record_sql in its own transaction if none is open.
  Task<Status> commit(std::string_view record_sql);

  const ApplyCounts& counts() const { return counts_; }

 private:
  struct Statement;
  struct TableShape;  // per source relation OID: target columns, key, prepared statements
  enum ResultCheck : std::uint32_t {
    kNoCheck,
    kMissingIfNoRow,
    kMissingIfInserted,
    kMissingPerInsertedRow,  // a statement of many rows: each row it had to insert
  };

  Task<Status> apply_relation(const pg::pgoutput::Relation& relation);
  Task<Status> apply_insert(const pg::pgoutput::Insert& insert);
  Task<Status> apply_update(const pg::pgoutput::Update& update);
  Task<Status> apply_delete(const pg::pgoutput::Delete& delete_);
  Task<Status> apply_truncate(const pg::pgoutput::Truncate& truncate);
  Result<TableShape*> shape_of(std::uint32_t relation_oid, std::string_view change);
  Task<Status> open_target_transaction();
  // Queues the statement of `kind` and column shape, preparing it the first time; the
  // parameters are those collected in `arena_` by add_values().
  Task<Status> run(TableShape& shape, StatementKind kind, const std::vector<bool>& set,
                   const std::vector<bool>& match, ResultCheck check);
  void add_values(const pg::pgoutput::Tuple& tuple, const std::vector<bool>& columns);
  // Collapsing: the whole new row of a keyed table is held until the table's next change of
  // another kind or the commit, and a later whole row for the same key replaces it (pgbench's
  // hot rows: one statement per key per batch instead of one per change). Only for tables whose
  // one unique index is the key: with another unique constraint, applying the rows in another
  // order than the source's could collide where the source did not.
  Task<Status> hold(TableShape& shape, const pg::pgoutput::Tuple& tuple, StatementKind kind,
                    ResultCheck check);
  Task<Status> release(TableShape& shape);
  Task<Status> release_all();
  Task<void> roll_back();
  void on_result(std::uint32_t check, const PGresult* result);
  // Notes the key of `key_tuple` (values missing there taken from `fallback`), or the whole table
  // when `key_tuple` is null; past a bound, sends what is held into the open transaction.
  Task<Status> note_touched(TableShape& shape, const pg::pgoutput::Tuple* key_tuple,
                            const pg::pgoutput::Tuple* fallback = nullptr);

  pg::Connection& target_;
  pg::Pipeline pipeline_;
  std::unordered_map<std::uint32_t, std::unique_ptr<TableShape>> relations_;
  // Shapes replaced by a later Relation: kept while their statements' labels may be in flight.
  std::vector<std::unique_ptr<TableShape>> retired_;
  // Relations whose latest Relation message does not match the target table, with the difference:
  // an error only once a change is applied under it (apply_relation).
  std::unordered_map<std::uint32_t, Error> mismatched_;
  std::deque<std::string> labels_;  // of statements run without a cache entry (BEGIN, TRUNCATE)
  std::string arena_;               // the current change's parameter values, NUL-terminated
  std::vector<long> offsets_;       // into arena_; -1 = NULL
  std::vector<const char*> values_;
  bool in_source_transaction_ = false;
  bool target_transaction_open_ = false;
  long long pending_changes_ = 0;
  pg::Lsn last_commit_end_;
  pg::Lsn transaction_final_lsn_;  // of the source transaction being applied (its Begin)
  bool record_touched_ = false;
  TouchedKeys touched_;
  std::int64_t last_commit_time_us_ = 0;
  ApplyCounts counts_;
};

}  // namespace pgshift::sync
