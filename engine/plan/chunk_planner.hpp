// Cuts tables into chunks: key ranges whose bounds are real key values sampled from the source
// (never min..max arithmetic), or ctid page ranges for keyless tables with an open-ended last
// range. Chunks are sized by bytes and ordered by copy work (bytes plus a per-row cost), most
// work first. Pure functions: no I/O, unit-tested.
#pragma once

#include <vector>

#include "engine/model/table.hpp"

namespace pgshift::plan {

struct PlannerOptions {
  std::int64_t chunk_bytes = 64LL << 20;  // target size of one chunk
  // Tables above this are split at least `workers` ways, and at least two: other processes may
  // join the run (a process of `--jobs 1` would otherwise leave its largest table to one of them).
  std::int64_t split_threshold = 16LL << 20;
  int workers = 2;
  int max_chunks_per_table = 4096;
};

// What copying a row costs besides its bytes (tuple forming, WAL record, per-value parsing), in
// bytes of payload that cost as much. Measured on PostgreSQL 15 loading binary COPY: 720k rows of
// 81 bytes took 6.5 times as long as 55k rows of 2 kB (bench/e2e sqlite dataset).
inline constexpr std::int64_t kRowCostBytes = 640;

// A table's copy work in bytes: its size plus kRowCostBytes per estimated row. Narrow tables with
// many rows are the slow ones; ordering by bytes alone starts them too late. (Chunks are still
// sized by bytes: finer chunks of such tables measured slower, as each chunk is read back from a
// target table that has no index yet.)
std::int64_t copy_work(const Table& table);

// How many chunks a table of this size should become.
int desired_chunks(std::int64_t table_bytes, const PlannerOptions& options);

// How many key values to sample to place `chunks` bounds well.
int sample_size_for(int chunks);

// Chunks of one keyed table from a sorted (in chunk order) sample of its key values.
std::vector<Chunk> plan_keyed_chunks(std::size_t table_index, const Table& table,
                                     const std::vector<KeyValue>& sorted_sample, int chunks);

// Chunks of one keyless table by page ranges.
std::vector<Chunk> plan_page_chunks(std::size_t table_index, const Table& table, int chunks);

// All chunks, the table with the most copy work first (a big table started last finishes last,
// alone, and its indexes and verification are then built with nothing to overlap them).
void order_most_work_first(std::vector<Chunk>& chunks, const std::vector<Table>& tables);

// Then the tables that a foreign key of another table references (`referenced`, by table index)
// and whose copy work is at most `small_work` move to the front, in their order. Each of their
// foreign keys waits for them to be finished; left in work order, such small tables come last and
// keep those foreign keys (each a scan of the referencing table) for the end of the run, with
// nothing to overlap them. A big referenced table keeps its place, as starting it early would
// leave a bigger table's copy and indexes for the end instead.
void start_small_referenced_tables_first(std::vector<Chunk>& chunks,
                                         const std::vector<Table>& tables,
                                         const std::vector<bool>& referenced,
                                         std::int64_t small_work);

}  // namespace pgshift::plan
