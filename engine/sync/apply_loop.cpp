#include "engine/sync/apply_loop.hpp"

#include <spdlog/spdlog.h>

#include <unordered_map>

#include "connectors/pg/replication/pgoutput.hpp"
#include "connectors/pg/session.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/sync/change_applier.hpp"
#include "engine/sync/spill_codec.hpp"
#include "engine/sync/sync_state.hpp"
#include "verify/large_objects.hpp"

namespace pgshift::sync {
namespace {

// Source transactions are batched into one target transaction up to about this many changes:
// large enough for throughput, and a batch ends anyway whenever the spill has nothing more.
constexpr long long kBatchChanges = 20'000;
constexpr int kSegmentsPerRead = 4;

class Applier {
 public:
  // `reader` reads the spill: the applier's session may be in the middle of a pipeline.
  Applier(StreamRun& run, pg::Connection target, pg::Connection reader)
      : run_(run), target_(std::move(target)), reader_(std::move(reader)), applier_(target_) {
    applier_.record_touched_keys();
  }

  Task<Status> run() {
    auto copies = co_await load_keyless_copies(target_);
    if (!copies) co_return fail(copies.error());
    keyless_copies_ = std::move(*copies);
    if (auto loaded = co_await load_relations(); !loaded) co_return loaded;
    resume_after_ = run_.applied_lsn;
    while (!run_.stopping) {
      // Read before the read: a spill commit that lands during it is found by the next one.
      pg::Lsn durable_before = run_.durable;
      long long generation_before = run_.spill_generation;
      auto segments = co_await read_segments(reader_, last_seq_, kSegmentsPerRead);
      if (!segments) co_return fail(segments.error());
      if (segments->empty()) {
        if (auto committed = co_await commit_batch(); !committed) co_return committed;
        run_.caught_up_through = std::max(run_.caught_up_through, durable_before);
        run_.applied.notify();
        if (endpos_reached(run_)) co_return Status{};
        if (run_.spill_generation == generation_before) co_await run_.spilled.wait();
        continue;
      }
      for (auto& segment : *segments) {
        if (auto applied = co_await apply_segment(segment); !applied) co_return applied;
        last_seq_ = segment.seq;
      }
      if (applier_.at_transaction_boundary()) {
        if (auto committed = co_await commit_batch(); !committed) co_return committed;
      }
    }
    co_return Status{};
  }

 private:
  // The Relation messages in force at the applied position (a Relation is sent once per
  // connection, so the segment that carried it may be long applied and gone).
  Task<Status> load_relations() {
    auto rows = co_await target_.query(
        "SELECT encode(message, 'hex') FROM pgshift.stream_relations ORDER BY relation_oid");
    if (!rows) co_return fail(rows.error());
    for (int row = 0; row < rows->rows(); ++row) {
      auto bytes = verify::decode_hex(rows->text(row, 0));
      if (!bytes) co_return fail(bytes.error());
      auto message = pg::pgoutput::decode(*bytes);
      if (!message) co_return fail(std::move(message.error()).within("a stored Relation message"));
      note_copy_position(std::get<pg::pgoutput::Relation>(*message));
      if (auto applied = co_await applier_.apply(*message); !applied) co_return applied;
    }
    co_return Status{};
  }

  Task<Status> apply_segment(const SpillSegment& segment) {
    auto messages = split_segment(segment.raw);
    if (!messages)
      co_return fail(
          std::move(messages.error()).within("spill segment " + std::to_string(segment.seq)));
    for (const auto& spilled : *messages) {
      auto message = pg::pgoutput::decode(spilled.bytes);
      if (!message)
        co_return fail(std::move(message.error()).within("change at " + spilled.wal_start.text()));
      if (auto* begin = std::get_if<pg::pgoutput::Begin>(&*message)) {
        // Committed before the applied position: applied already (exactly once after a crash).
        skipping_ = begin->final_lsn < resume_after_;
        transaction_final_lsn_ = begin->final_lsn;
      }
      if (in_copy(*message)) continue;
      if (auto* relation = std::get_if<pg::pgoutput::Relation>(&*message)) {
        note_copy_position(*relation);
        relations_sql_ += "INSERT INTO pgshift.stream_relations VALUES (" +
                          std::to_string(relation->oid) + ", '\\x" + hex_bytes(spilled.bytes) +
                          "'::bytea) ON CONFLICT (relation_oid) DO UPDATE SET message = "
                          "EXCLUDED.message;\n";
      } else if (skipping_) {
        if (std::holds_alternative<pg::pgoutput::Commit>(*message)) skipping_ = false;
        continue;
      }
      if (auto applied = co_await applier_.apply(*message); !applied) co_return applied;
      if (std::holds_alternative<pg::pgoutput::Commit>(*message)) {
        ++transactions_in_batch_;
        if (applier_.pending_changes() >= kBatchChanges) {
          // Segments before this one are wholly applied; this one is re-read after a crash.
          if (auto committed = co_await commit_batch(segment.seq - 1); !committed)
            co_return committed;
        }
      }
    }
    co_return Status{};
  }

  void note_copy_position(const pg::pgoutput::Relation& relation) {
    auto found = keyless_copies_.find({std::string(relation.schema), std::string(relation.name)});
    if (found == keyless_copies_.end()) {
      copied_at_.erase(relation.oid);
    } else {
      copied_at_[relation.oid] = found->second;
    }
  }

  // A change to a keyless table whose copy already holds it (committed before the snapshot the
  // table was copied at). A TRUNCATE of several tables keeps the others.
  bool in_copy(pg::pgoutput::Message& message) const {
    auto before_copy = [this](std::uint32_t relation) {
      auto found = copied_at_.find(relation);
      return found != copied_at_.end() && transaction_final_lsn_ < found->second;
    };
    if (auto* insert = std::get_if<pg::pgoutput::Insert>(&message))
      return before_copy(insert->relation);
    if (auto* update = std::get_if<pg::pgoutput::Update>(&message))
      return before_copy(update->relation);
    if (auto* delete_ = std::get_if<pg::pgoutput::Delete>(&message))
      return before_copy(delete_->relation);
    if (auto* truncate = std::get_if<pg::pgoutput::Truncate>(&message)) {
      std::erase_if(truncate->relations, before_copy);
      return truncate->relations.empty();
    }
    return false;
  }

  Task<Status> commit_batch() {
    if (!applier_.at_transaction_boundary()) co_return Status{};
    co_return co_await commit_batch(last_seq_);
  }

  // Commits the open batch with the applied position, the Relation messages and the removal of
  // the spill segments up to `applied_seq`.
  Task<Status> commit_batch(long long applied_seq) {
    if (transactions_in_batch_ == 0 && relations_sql_.empty() && applied_seq <= deleted_seq_) {
      co_return Status{};
    }
    long long changes = applier_.pending_changes();
    std::string record = relations_sql_;
    if (transactions_in_batch_ > 0) {
      record +=
          "UPDATE pgshift.sync SET applied_lsn = " +
          pg::quote_literal(applier_.last_commit_end().text()) +
          "::pg_lsn, applied_commit_time = pg_catalog.to_timestamp(" +
          std::to_string(static_cast<double>(applier_.last_commit_time_us()) / 1e6 + 946684800.0) +
          "), changes_applied = changes_applied + " + std::to_string(changes) +
          ", updated_at = now();\n";
    }
    if (applied_seq > deleted_seq_) {
      record += "DELETE FROM pgshift.spill WHERE seq <= " + std::to_string(applied_seq) + ";\n";
    }
    if (auto committed = co_await applier_.commit(record); !committed) co_return committed;
    relations_sql_.clear();
    deleted_seq_ = std::max(deleted_seq_, applied_seq);
    if (transactions_in_batch_ > 0) {
      run_.applied_lsn = applier_.last_commit_end();
      run_.applied_commit_time_us = applier_.last_commit_time_us();
      run_.changes_applied += changes;
      transactions_in_batch_ = 0;
    }
    run_.applied.notify();
    co_return Status{};
  }

  StreamRun& run_;
  pg::Connection target_;
  pg::Connection reader_;
  ChangeApplier applier_;
  pg::Lsn resume_after_;
  long long last_seq_ = 0;
  long long deleted_seq_ = 0;
  long long transactions_in_batch_ = 0;
  bool skipping_ = false;
  KeylessCopies keyless_copies_;
  std::unordered_map<std::uint32_t, pg::Lsn> copied_at_;  // by relation OID
  pg::Lsn transaction_final_lsn_;
  std::string relations_sql_;
};

}  // namespace

bool endpos_reached(const StreamRun& run) {
  return run.endpos && run.caught_up_through >= *run.endpos;
}

Task<Status> run_apply_loop(StreamRun& run) {
  auto target = co_await pg::open_session(run.options.copy.target, "target");
  if (!target) co_return fail(target.error());
  if (auto prepared = co_await prepare_apply_session(*target); !prepared) co_return prepared;
  // A sync state made by an older build lacks the tables added since (pgshift.touched_keys).
  if (auto created = co_await target->query(kCreateSyncStateSql); !created) {
    co_return fail(std::move(created.error()).within("creating the sync state's tables"));
  }
  // From what the target recorded, not from memory: a retry after a connection lost during a
  // commit does not know whether that commit landed.
  auto recorded = co_await load_stream_state(*target);
  if (!recorded) co_return fail(recorded.error());
  if (*recorded) run.applied_lsn = (*recorded)->applied_lsn;
  auto reader = co_await pg::open_session(run.options.copy.target, "target");
  if (!reader) co_return fail(reader.error());
  Applier applier(run, std::move(*target), std::move(*reader));
  co_return co_await applier.run();
}

}  // namespace pgshift::sync
