#include "verify/stream_digest.hpp"

#include "engine/model/copy_binary.hpp"
#include "verify/streaming_row_hash.hpp"

namespace pgshift::verify {
namespace {

// Hashes the rows the stream left out (RowSource::next_large_row) as they come.
class LargeRowHashing final : public LargeRowSink {
 public:
  explicit LargeRowHashing(StreamingRowHash& hash) : hash_(hash) {}
  Task<Status> begin_row(int fields) override {
    hash_.begin_row(fields);
    co_return Status{};
  }
  Task<Status> field(std::optional<std::span<const std::byte>> value) override {
    co_return hash_.field(value);
  }
  Task<Status> begin_field(std::uint32_t length) override { co_return hash_.begin_field(length); }
  Task<Status> piece(std::span<const std::byte> bytes) override {
    hash_.piece(bytes);
    co_return Status{};
  }

 private:
  StreamingRowHash& hash_;
};

}  // namespace

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
  StreamingRowHash hash(hasher.kinds(), hasher.shapes());
  LargeRowHashing hashing(hash);
  for (;;) {
    auto more = co_await source.next_large_row(hashing);
    if (!more) co_return fail(more.error());
    if (!*more) break;
    auto row_hash = hash.finish();
    if (!row_hash) co_return fail(row_hash.error());
    digest.add_row(*row_hash);
  }
  co_return digest;
}

}  // namespace pgshift::verify
