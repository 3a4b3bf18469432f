#include "engine/plan/chunk_planner.hpp"

#include <algorithm>

namespace pgshift::plan {

std::int64_t copy_work(const Table& table) {
  auto rows = static_cast<std::int64_t>(std::max(0.0, table.estimated_rows));
  return table.bytes + rows * kRowCostBytes;
}

namespace {

// A table above the threshold is split at least this many ways whatever `workers` says.
constexpr int kMinSplitWays = 2;

}  // namespace

int desired_chunks(std::int64_t table_bytes, const PlannerOptions& options) {
  std::int64_t by_size = (table_bytes + options.chunk_bytes - 1) / options.chunk_bytes;
  if (table_bytes > options.split_threshold) {
    by_size = std::max<std::int64_t>(by_size, std::max(options.workers, kMinSplitWays));
  }
  return static_cast<int>(std::clamp<std::int64_t>(by_size, 1, options.max_chunks_per_table));
}

int sample_size_for(int chunks) {
  return chunks <= 1 ? 0 : std::max(1000, chunks * 64);
}

std::vector<Chunk> plan_keyed_chunks(std::size_t table_index, const Table& table,
                                     const std::vector<KeyValue>& sorted_sample, int chunks) {
  std::vector<KeyValue> bounds;
  if (chunks > 1 && !sorted_sample.empty()) {
    for (int i = 1; i < chunks; ++i) {
      const auto& candidate =
          sorted_sample[static_cast<std::size_t>(i) * sorted_sample.size() / chunks];
      if (bounds.empty() || bounds.back() != candidate) bounds.push_back(candidate);
    }
  }
  std::vector<Chunk> out;
  std::int64_t share = table.bytes / static_cast<std::int64_t>(bounds.size() + 1);
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    Chunk chunk;
    chunk.table_index = table_index;
    chunk.number = static_cast<int>(i);
    if (i > 0) chunk.lower = bounds[i - 1];
    if (i < bounds.size()) chunk.upper = bounds[i];
    chunk.estimated_bytes = share;
    out.push_back(std::move(chunk));
  }
  return out;
}

std::vector<Chunk> plan_page_chunks(std::size_t table_index, const Table& table, int chunks) {
  std::vector<Chunk> out;
  std::int64_t pages = std::max<std::int64_t>(table.pages, 0);
  if (chunks <= 1 || pages < chunks) {
    Chunk whole;
    whole.table_index = table_index;
    whole.estimated_bytes = table.bytes;
    out.push_back(whole);
    return out;
  }
  std::int64_t per_chunk = pages / chunks;
  for (int i = 0; i < chunks; ++i) {
    Chunk chunk;
    chunk.table_index = table_index;
    chunk.number = i;
    if (i > 0) chunk.first_page = per_chunk * i;
    if (i + 1 < chunks) chunk.end_page = per_chunk * (i + 1);
    chunk.estimated_bytes = table.bytes / chunks;
    out.push_back(chunk);
  }
  return out;
}

void order_most_work_first(std::vector<Chunk>& chunks, const std::vector<Table>& tables) {
  std::stable_sort(chunks.begin(), chunks.end(), [&](const Chunk& a, const Chunk& b) {
    auto work_a = copy_work(tables[a.table_index]), work_b = copy_work(tables[b.table_index]);
    if (work_a != work_b) return work_a > work_b;
    if (a.table_index != b.table_index) return a.table_index < b.table_index;
    return a.number < b.number;
  });
}

void start_small_referenced_tables_first(std::vector<Chunk>& chunks,
                                         const std::vector<Table>& tables,
                                         const std::vector<bool>& referenced,
                                         std::int64_t small_work) {
  std::stable_partition(chunks.begin(), chunks.end(), [&](const Chunk& chunk) {
    return chunk.table_index < referenced.size() && referenced[chunk.table_index] &&
           copy_work(tables[chunk.table_index]) <= small_work;
  });
}

}  // namespace pgshift::plan
