// Digest of a whole chunk stream from a RowSource (a target read back after commit, or either side
// of `pgshift verify`), with the large rows the source left out of it (RowSource::next_large_row)
// hashed as their pieces come. Reads in bounded buffers; the source must already be begun.
#pragma once

#include "engine/core/row_source.hpp"
#include "verify/row_hasher.hpp"

namespace pgshift::verify {

Task<Result<ChunkDigest>> digest_stream(RowSource& source, RowHasher& hasher,
                                        std::size_t buffer_bytes = 1 << 20);

}  // namespace pgshift::verify
