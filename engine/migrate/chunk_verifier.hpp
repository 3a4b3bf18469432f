// Per-chunk verification against the target: the chunk is read back (COPY of its key range),
// hashed with the target's type shapes, and compared with the source digest recorded when it was
// copied; the result is recorded in the chunk's state row. Mismatches are collected in the
// context (the run ends with exit 1), not treated as failures.
#pragma once

#include <optional>

#include "connectors/pg/connection.hpp"
#include "engine/migrate/run_context.hpp"
#include "verify/chunk_digest.hpp"

namespace pgshift {

Task<Status> verify_chunk(RunContext& context, pg::Connection& target, const Chunk& chunk,
                          const verify::ChunkDigest& source_digest);

// Records the comparison of a chunk read back some other way (table_readback.hpp): the chunk's
// state row, and a mismatch in the context when the digests differ.
Task<Status> record_chunk_verification(RunContext& context, pg::Connection& target,
                                       const Chunk& chunk, const verify::ChunkDigest& source_digest,
                                       const verify::ChunkDigest& target_digest);

// Claims one done-but-unverified chunk (of `table`, or of any table whose indexes are built) with
// FOR UPDATE SKIP LOCKED, so no two processes verify the same chunk, and verifies it. Returns
// false when there is none left.
Task<Result<bool>> verify_leftover_chunk(RunContext& context, pg::Connection& target,
                                         std::optional<std::size_t> table);

}  // namespace pgshift
