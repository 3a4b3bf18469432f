#include "verify/stream_digest.hpp"

#include "engine/model/copy_binary.hpp"

namespace pgshift::verify {

Task<Result<ChunkDigest>> digest_stream(RowSource& source, RowHasher& hasher,
                                        std::size_t buffer_bytes) {
  ChunkDigest digest;
  pg::CopyBinaryParser parser;
  std::vector<std::byte> buffer;
  buffer.reserve(buffer_bytes + (64 << 10));
  for (bool more = true; more;) {
    auto read = co_await source.read(buffer, buffer_bytes);
    if (!read) co_return fail(read.error());
    more = *read;
    Status hashed;
    auto consumed = parser.parse(buffer, [&](std::span<std::byte> tuple) {
      if (!hashed) return;
      auto row_hash = hasher.hash(tuple);
      if (!row_hash) {
        hashed = fail(row_hash.error());
        return;
      }
      digest.add_row(*row_hash);
    });
    if (!consumed) co_return fail(consumed.error());
    if (!hashed) co_return fail(hashed.error());
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*consumed));
  }
  if (parser.phase() != pg::CopyBinaryParser::Phase::kDone || !buffer.empty()) {
    co_return fail(ErrorKind::kRuntime, "binary COPY stream ended early");
  }
  co_return digest;
}

}  // namespace pgshift::verify
