// Moves one chunk: RowSource stream -> (embedded OIDs remapped) -> row hashes -> CopySink. Neither
// side is a server here (pg::PgRowSource and pg::PgCopySink are), so the loop runs against fakes in
// tests/unit/chunk_copy_test.cpp. The reader and the writer run as two coroutines joined by a
// ByteQueue bounded in bytes, so the source keeps streaming while the target absorbs, and the bytes
// a worker holds are at most queue_bytes (queued and being written) + one read buffer (read_bytes
// and the incomplete tuple carried over), for read_bytes <= queue_bytes. The caller owns the target
// transaction (begin before, commit after together with the chunk's state). A whole-table chunk of
// a keyless table replaces the table's contents (CopySink::begin), and so does one of a keyed
// table that may be emptied (TableStreamSpec::whole_table_replaceable). On a failure the source is
// read no further and the error comes back as it was; the sink is aborted when the reading side
// failed, and left to the caller (who drops its session) when the sink did. Rows the source left
// out of its stream (RowSource::next_large_row) go to the sink before the stream's trailer, piece
// by piece as they come, hashed as a stream (verify/streaming_row_hash.hpp).
#pragma once

#include <functional>

#include "engine/core/copy_sink.hpp"
#include "engine/core/row_source.hpp"
#include "engine/model/binary_values.hpp"
#include "verify/row_hasher.hpp"

namespace pgshift {

struct TableStreamSpec {
  const Table* table = nullptr;
  std::vector<pg::ValueKind> copied_kinds;  // per copied column, in the source's type system
  const pg::TypeShapes* source_shapes = nullptr;
  const pg::OidRemap* remap = nullptr;  // source -> target user type OIDs
  bool needs_remap = false;             // some copied column embeds OIDs that differ
  // A keyed table a chunk that is the whole table may replace like a keyless one's (nothing
  // references it, so it can be emptied; the sink then loads it frozen).
  bool whole_table_replaceable = false;
};

struct ChunkCopyOptions {
  std::size_t read_bytes = 256 << 10;
  std::size_t queue_bytes = 4 << 20;
};

struct ChunkCopyOutcome {
  verify::ChunkDigest source_digest;
  long long rows_stored = 0;  // what the target's COPY reported
  std::int64_t bytes = 0;     // stream bytes moved
};

// `on_progress(rows, bytes)` is called as data moves (for live progress).
Task<Result<ChunkCopyOutcome>> copy_chunk(
    RowSource& source, CopySink& target, const TableStreamSpec& spec, const Chunk& chunk,
    const ChunkCopyOptions& options,
    const std::function<void(long long, std::int64_t)>& on_progress);

}  // namespace pgshift
