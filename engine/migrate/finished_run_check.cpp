#include "engine/migrate/finished_run_check.hpp"

#include <map>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/chunk_sql.hpp"
#include "connectors/pg/pg_row_source.hpp"
#include "engine/state/run_state.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {
namespace {

struct RecordedTable {
  std::size_t id = 0;
  std::string schema, name, key_name;
  bool keyless = false;
};

Task<Result<verify::ChunkDigest>> read_target_digest(pg::Connection& target, const Table& table,
                                                     const Chunk& chunk,
                                                     const pg::TypeShapes& shapes,
                                                     VerifyMode mode) {
  verify::ChunkDigest digest;
  if (mode != VerifyMode::kFull) {
    auto counted = co_await target.query("SELECT count(*) FROM ONLY " + pg::qualified_name(table) +
                                         " WHERE " + pg::chunk_predicate(table, chunk));
    if (!counted) co_return fail(counted.error());
    digest.rows = static_cast<std::uint64_t>(counted->integer(0, 0));
    co_return digest;
  }
  std::vector<pg::ValueKind> kinds;
  for (const Column* column : table.copied_columns()) kinds.push_back(column->kind);
  pg::PgRowSource readback(target);
  if (auto begun = co_await readback.begin(table, chunk); !begun) co_return fail(begun.error());
  verify::RowHasher hasher(std::move(kinds), &shapes);
  co_return co_await verify::digest_stream(readback, hasher);
}

bool equal_in_mode(const verify::ChunkDigest& a, const verify::ChunkDigest& b, VerifyMode mode) {
  return mode == VerifyMode::kFull ? a == b : a.rows == b.rows;
}

std::string difference(const verify::ChunkDigest& recorded, const verify::ChunkDigest& now,
                       VerifyMode mode) {
  std::string out = "recorded " + std::to_string(recorded.rows) + " rows";
  if (mode == VerifyMode::kFull) out += " digest " + recorded.sum_hex();
  out += ", target now " + std::to_string(now.rows) + " rows";
  if (mode == VerifyMode::kFull) out += " digest " + now.sum_hex();
  return out;
}

}  // namespace

Task<Result<FinishedRunCheck>> recheck_finished_run(pg::Connection& target, VerifyMode mode) {
  auto recorded_rows = co_await target.query(
      "SELECT table_id, schema_name, table_name, keyless, COALESCE(key_name, '') "
      "FROM pgshift.tables ORDER BY table_id");
  if (!recorded_rows) co_return fail(recorded_rows.error());
  std::vector<RecordedTable> recorded;
  for (int row = 0; row < recorded_rows->rows(); ++row) {
    recorded.push_back(RecordedTable{static_cast<std::size_t>(recorded_rows->integer(row, 0)),
                                     recorded_rows->text(row, 1), recorded_rows->text(row, 2),
                                     recorded_rows->text(row, 4), recorded_rows->boolean(row, 3)});
  }
  auto models = co_await pg::read_tables(target, pg::TableFilter{}, true);
  if (!models) co_return fail(models.error());
  auto shapes = co_await pg::read_type_shapes(target);
  if (!shapes) co_return fail(shapes.error());
  std::map<std::pair<std::string, std::string>, Table*> by_name;
  for (auto& model : *models) by_name[{model.schema, model.name}] = &model;

  FinishedRunCheck check;
  check.tables.resize(recorded.empty() ? 0 : recorded.back().id + 1);
  std::vector<bool> present(check.tables.size(), false);
  for (const auto& table : recorded) {
    Table& slot = check.tables[table.id];
    if (auto it = by_name.find({table.schema, table.name}); it != by_name.end()) {
      slot = std::move(*it->second);
      for (auto& column : slot.columns) column.kind = shapes->kind(column.type_oid);
      present[table.id] = true;
    } else {
      slot.schema = table.schema;
      slot.name = table.name;
    }
  }

  auto chunks = co_await state::load_chunks(target);
  if (!chunks) co_return fail(chunks.error());
  auto digests = co_await target.query(
      "SELECT table_id, chunk_no, rows, digest FROM pgshift.chunks WHERE state = 'done'");
  if (!digests) co_return fail(digests.error());
  std::map<std::pair<std::size_t, int>, verify::ChunkDigest> recorded_digest;
  for (int row = 0; row < digests->rows(); ++row) {
    verify::ChunkDigest digest;
    digest.rows = static_cast<std::uint64_t>(digests->integer(row, 2));
    digest.sum = verify::ChunkDigest::parse_sum_hex(digests->text(row, 3)).value_or(0);
    recorded_digest[{static_cast<std::size_t>(digests->integer(row, 0)),
                     static_cast<int>(digests->integer(row, 1))}] = digest;
  }
  std::map<std::size_t, std::vector<const Chunk*>> chunks_of;
  for (const auto& chunk : *chunks) {
    if (recorded_digest.count({chunk.table_index, chunk.number})) {
      chunks_of[chunk.table_index].push_back(&chunk);
    }
  }

  for (const auto& info : recorded) {
    const Table& table = check.tables[info.id];
    auto& table_chunks = chunks_of[info.id];
    if (table_chunks.empty()) continue;  // a partitioned parent: its partitions hold the rows
    auto changed = [&](int chunk, std::string key_range, std::string detail) {
      Mismatch mismatch;
      mismatch.table_index = info.id;
      mismatch.chunk = chunk;
      mismatch.key_range = std::move(key_range);
      mismatch.kind = "changed";
      mismatch.detail = "changed since the run finished: " + std::move(detail);
      check.changed.push_back(std::move(mismatch));
    };
    if (!present[info.id]) {
      changed(0, "whole table", "the table is gone from the target");
      continue;
    }
    if (info.keyless || table.keyless() || table.key_name != info.key_name) {
      verify::ChunkDigest expected;
      for (const Chunk* chunk : table_chunks) {
        expected.merge(recorded_digest[{chunk->table_index, chunk->number}]);
      }
      auto now = co_await read_target_digest(target, table, Chunk{}, *shapes, mode);
      if (!now)
        co_return fail(
            std::move(now.error()).within("re-checking " + table.schema + "." + table.name));
      check.chunks_checked += static_cast<int>(table_chunks.size());
      if (!equal_in_mode(expected, *now, mode)) {
        changed(0, "whole table", difference(expected, *now, mode));
      }
      continue;
    }
    std::string updates;
    for (const Chunk* chunk : table_chunks) {
      const auto& expected = recorded_digest[{chunk->table_index, chunk->number}];
      auto now = co_await read_target_digest(target, table, *chunk, *shapes, mode);
      if (!now)
        co_return fail(
            std::move(now.error()).within("re-checking " + table.schema + "." + table.name));
      ++check.chunks_checked;
      if (!equal_in_mode(expected, *now, mode)) {
        changed(chunk->number, describe_key_range(*chunk), difference(expected, *now, mode));
      }
      updates += "UPDATE pgshift.chunks SET target_rows = " + std::to_string(now->rows) +
                 (mode == VerifyMode::kFull ? ", target_digest = '" + now->sum_hex() + "'" : "") +
                 " WHERE table_id = " + std::to_string(info.id) +
                 " AND chunk_no = " + std::to_string(chunk->number) + ";";
    }
    if (auto recorded_now = co_await target.query(updates); !recorded_now) {
      co_return fail(recorded_now.error());
    }
  }
  co_return check;
}

std::string describe_changed(const FinishedRunCheck& check) {
  std::map<std::size_t, std::vector<const Mismatch*>> by_table;
  for (const auto& mismatch : check.changed) by_table[mismatch.table_index].push_back(&mismatch);
  std::string out;
  for (const auto& [table, mismatches] : by_table) {
    if (!out.empty()) out += ", ";
    out += check.tables[table].schema + "." + check.tables[table].name + " (";
    if (mismatches.front()->key_range == "whole table") {
      out += "whole table";
    } else {
      out += mismatches.size() == 1 ? "chunk " : "chunks ";
      for (std::size_t i = 0; i < mismatches.size(); ++i) {
        out += (i ? ", " : "") + std::to_string(mismatches[i]->chunk);
      }
    }
    out += ")";
  }
  return out;
}

}  // namespace pgshift
