// Cuts tables into chunks: key ranges whose bounds are real key values sampled from the source
// (never min..max arithmetic), or ctid page ranges for keyless tables with an open-ended last
// range. Orders the work largest first. Pure functions: no I/O, unit-tested.
#pragma once

#include <vector>

#include "engine/model/table.hpp"

namespace pgshift::plan {

struct PlannerOptions {
  std::int64_t chunk_bytes = 64LL << 20;      // target size of one chunk
  std::int64_t split_threshold = 16LL << 20;  // tables above this are split at least `workers` ways
  int workers = 2;
  int max_chunks_per_table = 4096;
};

// How many chunks a table of this size should become.
int desired_chunks(std::int64_t table_bytes, const PlannerOptions& options);

// How many key values to sample to place `chunks` bounds well.
int sample_size_for(int chunks);

// Chunks of one keyed table from a sorted (in chunk order) sample of its key values.
std::vector<Chunk> plan_keyed_chunks(std::size_t table_index, const Table& table,
                                     const std::vector<KeyValue>& sorted_sample, int chunks);

// Chunks of one keyless table by page ranges.
std::vector<Chunk> plan_page_chunks(std::size_t table_index, const Table& table, int chunks);

// All chunks, largest table's first (a big table started last would finish last, alone).
void order_largest_first(std::vector<Chunk>& chunks, const std::vector<Table>& tables);

}  // namespace pgshift::plan
