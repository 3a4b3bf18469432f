// verify's one-pass comparison of a keyed table (the counterpart of migrate's one-pass read-back,
// engine/migrate/table_readback.hpp): instead of one key-range read per chunk on each side, each
// side is read in page ranges, every row tagged with the number of the chunk whose key range holds
// it, and the per-chunk digests are summed over the ranges: by the servers themselves when the
// run hashes there (server_digest.hpp), else read out (pg::copy_out_by_chunk_sql) and hashed
// here. Once every range of both sides is in, each chunk is compared (a server-digest difference
// is confirmed with the canonical digests first), and a differing one is drilled into by key
// (chunk_drill.hpp) as before. Sequential reads cost less than index range scans, most of all on
// narrow rows. Only for PostgreSQL sources, keyed tables of several chunks that cover every key,
// and, unless the servers hash, tables without rows too large to read whole on either side.
// Everything runs on the verify run's io_context thread; the plan is built once by
// plan_table_passes, then lanes take ranges.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/compare/chunk_drill.hpp"
#include "verify/chunk_digest.hpp"

namespace pgshift {

struct TablePass {
  std::size_t table = 0;
  std::vector<Chunk> chunks;  // by number
  std::int64_t source_pages = 0, target_pages = 0;
  int parts = 1;
  int next_part = 0;
  int parts_left = 1;
  std::map<int, verify::ChunkDigest> source_digests, target_digests;
};

struct TablePasses {
  std::vector<TablePass> tables;
  std::size_t next = 0;  // the first table with a range not yet taken
};

// Moves the chunks of every table that qualifies out of context.chunks into passes.
Task<Result<TablePasses>> plan_table_passes(VerifyContext& context, pg::Connection& source,
                                            pg::Connection& target);

// Takes the next untaken range of any pass and compares it; when it was its table's last, compares
// the table's chunks (drilling into those that differ). Returns false when no range is left.
Task<Result<bool>> run_next_pass_range(TablePasses& passes, Drill& drill, pg::Connection& source);

}  // namespace pgshift
