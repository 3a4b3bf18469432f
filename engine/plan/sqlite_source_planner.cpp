#include "engine/plan/sqlite_source_planner.hpp"

#include <algorithm>

#include "connectors/sqlite/clustered_batch.hpp"
#include "connectors/sqlite/sqlite_chunk_planner.hpp"
#include "connectors/sqlite/sqlite_database.hpp"

namespace pgshift::plan {
namespace {

using sqlite::clustered_on;
using sqlite::ClusteredBatch;
using sqlite::open_read_only;
using sqlite::plan_sqlite_chunks;
using sqlite::SqliteSource;

// Whether table `i` is copied as one chunk: it is clustered, its batch (estimated from the file's
// size of it) fits the whole budget, and its copy work is at most one worker's share of the run's,
// so that one stream for it does not outlast the others. Two chunks copied at once would
// interleave their pages, and a heap of several runs, however long, is one PostgreSQL's sort must
// sort: on the bench's events table the index built in 0.56 s from one run, 1.82 s from two.
bool clustered_whole(const SqliteSource& source, std::size_t i, std::int64_t worker_work) {
  const Table& table = source.schema.tables[i];
  if (plan::copy_work(table) > worker_work || !clustered_on(source, i)) return false;
  return ClusteredBatch::bytes_for(table.estimated_rows, table.bytes,
                                   table.copied_columns().size()) <=
         static_cast<double>(source.cluster_memory->total());
}

}  // namespace

Result<std::vector<Chunk>> plan_sqlite_source_chunks(const SqliteSource& source,
                                                     const PlannerOptions& options) {
  auto db = open_read_only(source.path);
  if (!db) return fail(db.error());
  std::vector<Chunk> chunks;
  const auto& tables = source.schema.tables;
  std::int64_t work = 0;
  for (const Table& table : tables) work += plan::copy_work(table);
  std::int64_t worker_work = work / std::max(1, options.workers);
  for (std::size_t i = 0; i < tables.size(); ++i) {
    int desired = clustered_whole(source, i, worker_work)
                      ? 1
                      : plan::desired_chunks(tables[i].bytes, options);
    auto table_chunks =
        plan_sqlite_chunks(db->get(), i, tables[i], source.schema.sources[i], desired);
    if (!table_chunks) return fail(table_chunks.error());
    chunks.insert(chunks.end(), table_chunks->begin(), table_chunks->end());
  }
  plan::order_most_work_first(chunks, tables);
  return chunks;
}

}  // namespace pgshift::plan
