// Digest of a whole chunk stream from a RowSource (a target read back after commit, or either side
// of `pgshift verify`), with the large rows the source left out of it (RowSource::next_large_row)
// hashed as their pieces come. Reads in bounded buffers; the source must already be begun.
#pragma once

#include <map>
#include <span>

#include "engine/core/row_source.hpp"
#include "verify/integer_key_chunks.hpp"
#include "verify/row_hasher.hpp"

namespace pgshift::verify {

Task<Result<ChunkDigest>> digest_stream(RowSource& source, RowHasher& hasher,
                                        std::size_t buffer_bytes = 1 << 20);

// Digests by chunk from one stream whose tuples open with an extra int4 field, the number of the
// chunk the row belongs to (pg::copy_out_by_chunk_sql); each row is hashed without that field,
// so its hash is the one digest_stream gives the same row. Digests are added to `digests`.
Task<Status> digest_stream_by_chunk(RowSource& source, RowHasher& hasher,
                                    std::map<int, ChunkDigest>& digests,
                                    std::size_t buffer_bytes = 1 << 20);
// Digests by chunk from a stream of plain tuples, each put in its chunk by its own integer key.
Task<Status> digest_stream_by_key(RowSource& source, RowHasher& hasher,
                                  const IntegerKeyChunks& chunks,
                                  std::map<int, ChunkDigest>& digests,
                                  std::size_t buffer_bytes = 1 << 20);
// One tuple of a digest_stream_by_chunk stream, in place: the chunk number, and the tuple without
// it (its field count rewritten into the bytes before the remaining fields); an error when the
// first field is not a non-null int4.
struct ChunkedTuple {
  int chunk = 0;
  std::span<const std::byte> tuple;
};
Result<ChunkedTuple> split_chunk_number(std::span<std::byte> tuple);

}  // namespace pgshift::verify
