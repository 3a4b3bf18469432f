// What verify does with a chunk whose digests differ, and after: digest_both() reads a chunk's
// digest on both sides at once; drill_chunk() splits a keyed chunk at real keys until the parts
// are small, then compares key by key (missing, extra, changed with the differing columns);
// compare_keyless() compares a keyless table as a multiset of rows; recheck_keys() reads the
// differing keys again outside the snapshots, dropping rows that were only changing. All run on the
// verify run's io_context and write into VerifyContext::report.
#pragma once

#include <utility>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/compare/verify_context.hpp"
#include "engine/core/row_source.hpp"
#include "verify/row_hasher.hpp"

namespace pgshift {

// A differing key, kept for recheck_keys().
struct RecheckItem {
  std::size_t table;
  std::string display;
  KeyValue key;
};

// The connections one verify lane drills with.
struct Drill {
  VerifyContext& context;
  pg::Connection* source;  // null for a SQLite source: key-level reads go through source_rows
  RowSource& source_rows;
  pg::Connection& target;
  std::vector<RecheckItem>& recheck;
};

// Digests of one chunk on both sides, read concurrently.
Task<Result<std::pair<verify::ChunkDigest, verify::ChunkDigest>>> digest_both(
    VerifyContext& context, RowSource& source, pg::Connection& target, const Chunk& chunk);
// Finds the differing keys of a keyed chunk whose digests differ.
Task<Status> drill_chunk(Drill& drill, const Chunk& chunk, int depth);
// Finds the rows of a keyless table (one chunk of `rows`) present on one side only.
Task<Status> compare_keyless(Drill& drill, const Chunk& chunk, long long rows);
Task<Status> recheck_keys(VerifyContext& context, std::vector<RecheckItem>& items);

}  // namespace pgshift
