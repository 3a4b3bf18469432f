#include "engine/compare/chunk_drill.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "connectors/pg/pg_row_source.hpp"
#include "connectors/pg/session.hpp"
#include "engine/compare/both_sides.hpp"
#include "engine/core/fault.hpp"
#include "engine/model/pg_quote.hpp"
#include "verify/drill_down.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {
namespace {

constexpr long long kBottomRows = 50000;  // below this, compare key by key
constexpr std::size_t kMaxReportedKeys = 1000;
constexpr int kRechecks = 3;

Task<Status> compare_keys(Drill& drill, const Chunk& chunk) {
  auto& context = drill.context;
  const Table& table = context.tables[chunk.table_index];
  verify::RowHasher source_hasher(context.kinds[chunk.table_index], &context.source.shapes);
  verify::RowHasher target_hasher(context.kinds[chunk.table_index], &context.target.shapes);
  Result<verify::KeyedRead> left = fail(ErrorKind::kRuntime, "not read");
  if (drill.source) {
    left = co_await verify::read_keyed_rows(*drill.source, table, chunk, source_hasher);
  } else if (auto begun = co_await drill.source_rows.begin(table, chunk); !begun) {
    left = fail(begun.error());
  } else {
    left = co_await verify::read_keyed_rows(drill.source_rows, table, source_hasher);
  }
  if (!left) co_return fail(left.error());
  auto right = co_await verify::read_keyed_rows(drill.target, table, chunk, target_hasher);
  if (!right) co_return fail(right.error());
  auto diff = verify::diff_keyed_rows(left->rows, right->rows);
  auto& mismatches = context.report[chunk.table_index].mismatches;
  auto add = [&](const std::string& kind, const std::vector<std::string>& keys,
                 const std::unordered_map<std::string, KeyValue>& values,
                 std::vector<std::string> columns, std::string detail = {}) {
    if (keys.empty()) return;
    verify::ReportMismatch mismatch;
    mismatch.chunk = chunk.number;
    mismatch.key_range = describe_key_range(chunk);
    mismatch.kind = kind;
    mismatch.keys = keys;
    mismatch.columns = std::move(columns);
    mismatch.detail = std::move(detail);
    mismatches.push_back(std::move(mismatch));
    for (const auto& key : keys) {
      if (drill.recheck.size() < kMaxReportedKeys) {
        drill.recheck.push_back({chunk.table_index, key, values.at(key)});
      }
    }
  };
  add("missing", diff.missing, left->key_values, {});
  add("extra", diff.extra, right->key_values, {});
  // Extra rows that share a key with another: the count alone may even match (a duplicate in
  // place of a missing row).
  // A duplicated key the source lacks is named once, as extra, above.
  std::erase_if(right->duplicates,
                [&left](const std::string& key) { return !left->rows.count(key); });
  std::sort(right->duplicates.begin(), right->duplicates.end());
  add("extra", right->duplicates, right->key_values, {},
      "the target holds more than one row with each of these keys: it does not enforce the "
      "source's key");
  for (std::size_t i = 0; i < diff.changed.size(); ++i) {
    std::vector<std::string> columns;
    if (i < 100 && drill.source) {
      auto differing = co_await verify::differing_columns(*drill.source, drill.target, table,
                                                          left->key_values.at(diff.changed[i]));
      if (!differing) co_return fail(differing.error());
      columns = std::move(*differing);
    }
    add("changed", {diff.changed[i]}, left->key_values, std::move(columns));
  }
  co_return Status{};
}

}  // namespace

Task<Result<std::pair<verify::ChunkDigest, verify::ChunkDigest>>> digest_both(
    VerifyContext& context, RowSource& source, pg::Connection& target, const Chunk& chunk) {
  const Table& table = context.tables[chunk.table_index];
  auto digest = [&](RowSource& rows, const pg::TypeShapes& shapes,
                    verify::ChunkDigest& out) -> Task<Status> {
    if (auto begun = co_await rows.begin(table, chunk); !begun) co_return fail(begun.error());
    verify::RowHasher hasher(context.kinds[chunk.table_index], &shapes);
    auto read = co_await verify::digest_stream(rows, hasher);
    if (!read) co_return fail(read.error());
    out = *read;
    co_return Status{};
  };
  auto read_target = [&](verify::ChunkDigest& out) -> Task<Status> {
    fault_point("throw-in-verify-read");
    pg::PgRowSource reader(target);
    co_return co_await digest(reader, context.target.shapes, out);
  };
  verify::ChunkDigest source_digest, target_digest;
  auto read =
      co_await on_both_sides(context.executor, digest(source, context.source.shapes, source_digest),
                             read_target(target_digest));
  if (!read) co_return fail(read.error());
  co_return std::pair{source_digest, target_digest};
}

Task<Status> drill_chunk(Drill& drill, const Chunk& chunk, int depth) {
  auto& context = drill.context;
  const Table& table = context.tables[chunk.table_index];
  auto target_rows = co_await verify::count_rows(drill.target, table, chunk);
  if (!target_rows) co_return fail(target_rows.error());
  long long source_count = *target_rows;
  if (drill.source) {
    auto source_rows = co_await verify::count_rows(*drill.source, table, chunk);
    if (!source_rows) co_return fail(source_rows.error());
    source_count = *source_rows;
  }
  if (std::max(source_count, *target_rows) <= kBottomRows || depth >= 8) {
    co_return co_await compare_keys(drill, chunk);
  }
  // Split at real keys (the source's, or the target's for a SQLite source); the parts still
  // cover the whole range, so rows present on one side only fall into one of them.
  auto parts =
      co_await verify::split_chunk(drill.source ? *drill.source : drill.target, table, chunk, 16);
  if (!parts) co_return fail(parts.error());
  if (parts->size() <= 1) co_return co_await compare_keys(drill, chunk);
  for (const auto& part : *parts) {
    auto digests = co_await digest_both(context, drill.source_rows, drill.target, part);
    if (!digests) co_return fail(digests.error());
    if (digests->first == digests->second) continue;
    if (auto drilled = co_await drill_chunk(drill, part, depth + 1); !drilled) co_return drilled;
  }
  co_return Status{};
}

Task<Status> compare_keyless(Drill& drill, const Chunk& chunk, long long rows) {
  auto& context = drill.context;
  const Table& table = context.tables[chunk.table_index];
  verify::RowHasher source_hasher(context.kinds[chunk.table_index], &context.source.shapes);
  verify::RowHasher target_hasher(context.kinds[chunk.table_index], &context.target.shapes);
  if (!drill.source) {
    verify::ReportMismatch mismatch;
    mismatch.chunk = chunk.number;
    mismatch.key_range = "whole table (no key)";
    mismatch.kind = "changed";
    mismatch.detail = "rows differ; tables without a key from SQLite are compared as a whole";
    context.report[chunk.table_index].mismatches.push_back(std::move(mismatch));
    co_return Status{};
  }
  int passes = static_cast<int>(std::max<long long>(1, rows / 200000 + 1));
  auto rows_diff = co_await verify::diff_keyless(*drill.source, drill.target, table, source_hasher,
                                                 target_hasher, passes, 100);
  if (!rows_diff) co_return fail(rows_diff.error());
  for (bool missing : {true, false}) {
    verify::ReportMismatch mismatch;
    mismatch.chunk = chunk.number;
    mismatch.key_range = "whole table (no key)";
    mismatch.kind = missing ? "missing" : "extra";
    for (const auto& row : *rows_diff) {
      if (row.missing != missing) continue;
      mismatch.keys.push_back(row.count > 1 ? row.row + " x" + std::to_string(row.count) : row.row);
    }
    if (!mismatch.keys.empty()) {
      context.report[chunk.table_index].mismatches.push_back(std::move(mismatch));
    }
  }
  co_return Status{};
}

// A row that changed between reading the two sides looks like a difference: read the differing
// keys again, outside the snapshots, a few times. Keys that become equal are dropped; keys whose
// source row kept changing are marked.
Task<Status> recheck_keys(VerifyContext& context, std::vector<RecheckItem>& items) {
  if (items.empty() || context.sqlite_source) co_return Status{};  // a SQLite file is not live
  auto source = co_await pg::open_session(context.options.source, "source");
  if (!source) co_return fail(source.error());
  auto target = co_await pg::open_session(context.options.target, "target");
  if (!target) co_return fail(target.error());
  std::map<std::pair<std::size_t, std::string>, std::optional<std::string>> last_source;
  std::set<std::pair<std::size_t, std::string>> resolved, changing;
  for (int round = 0; round < kRechecks; ++round) {
    if (round > 0) {
      asio::steady_timer timer(context.executor);
      timer.expires_after(std::chrono::milliseconds(300));
      boost::system::error_code ignored;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    for (const auto& item : items) {
      auto id = std::pair{item.table, item.display};
      if (resolved.count(id)) continue;
      const Table& table = context.tables[item.table];
      auto left = co_await verify::row_text(*source, table, item.key);
      if (!left) co_return fail(left.error());
      auto right = co_await verify::row_text(*target, table, item.key);
      if (!right) co_return fail(right.error());
      if (*left == *right) {
        resolved.insert(id);
        continue;
      }
      auto previous = last_source.find(id);
      if (previous != last_source.end() && previous->second != *left) changing.insert(id);
      last_source[id] = *left;
    }
  }
  for (std::size_t t = 0; t < context.report.size(); ++t) {
    auto& mismatches = context.report[t].mismatches;
    for (auto& mismatch : mismatches) {
      if (mismatch.key_range == "whole table (no key)") continue;
      std::vector<std::string> kept, moving;
      for (const auto& key : mismatch.keys) {
        if (resolved.count({t, key})) continue;
        kept.push_back(key);
        if (changing.count({t, key})) moving.push_back(key);
      }
      mismatch.keys = kept;
      if (!moving.empty()) {
        mismatch.detail =
            "still changing in the source during verification: " + verify::display_key(moving);
      }
    }
    std::erase_if(mismatches, [](const auto& mismatch) { return mismatch.keys.empty(); });
  }
  co_return Status{};
}

}  // namespace pgshift
