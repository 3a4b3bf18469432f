// verify's server-side hashing (pg::server_digest_sql): each server digests its own rows and only
// per-chunk sums cross the network, instead of every row being read and hashed by pgshift. A
// chunk whose server digests differ is not reported on their word: the caller compares it again
// with the canonical digests (digest_both) and drills into it from there, so a type whose hashes
// differ between the two servers costs time, never a false difference. Runs on the verify run's
// io_context, on connections inside the run's snapshots.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/compare/chunk_drill.hpp"
#include "engine/compare/verify_context.hpp"
#include "verify/chunk_digest.hpp"

namespace pgshift {

// Whether this run hashes on the servers: asked for, a PostgreSQL source, both servers new enough.
bool hashes_on_servers(const VerifyContext& context, int source_version, int target_version);

// The server digests of one chunk on both sides, read concurrently.
Task<Result<std::pair<verify::ChunkDigest, verify::ChunkDigest>>> server_digest_both(
    VerifyContext& context, pg::Connection& source, pg::Connection& target, const Chunk& chunk);

// The digests that decide whether a chunk is equal: the servers' when they hash and agree, else
// the canonical ones (digest_both). drill.source must be set when context.server_hashing is.
Task<Result<std::pair<verify::ChunkDigest, verify::ChunkDigest>>> deciding_digests(
    Drill& drill, const Chunk& chunk);

// One side's server digests by chunk of the ctid page range `pages` of a table whose `chunks`
// cover its keys, added into `digests`.
Task<Status> server_digest_range(pg::Connection& connection, const Table& table,
                                 const std::vector<const Chunk*>& chunks, const Chunk& pages,
                                 std::map<int, verify::ChunkDigest>& digests);

}  // namespace pgshift
