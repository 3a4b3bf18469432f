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

// Parses the stream in bounded buffers and hands every tuple to `on_tuple`, which returns an
// error to stop.
template <typename OnTuple>
Task<Status> for_each_tuple(RowSource& source, std::size_t buffer_bytes, OnTuple on_tuple) {
  pg::CopyBinaryParser parser;
  std::vector<std::byte> buffer;
  buffer.reserve(buffer_bytes + (64 << 10));
  for (bool more = true; more;) {
    auto read = co_await source.read(buffer, buffer_bytes);
    if (!read) co_return fail(read.error());
    more = *read;
    Status hashed;
    auto consumed = parser.parse(buffer, [&](std::span<std::byte> tuple) {
      if (hashed) hashed = on_tuple(tuple);
    });
    if (!consumed) co_return fail(consumed.error());
    if (!hashed) co_return fail(hashed.error());
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*consumed));
  }
  if (parser.phase() != pg::CopyBinaryParser::Phase::kDone || !buffer.empty()) {
    co_return fail(ErrorKind::kRuntime, "binary COPY stream ended early");
  }
  co_return Status{};
}

std::uint32_t read_be32(const std::byte* at) {
  return (std::to_integer<std::uint32_t>(at[0]) << 24) |
         (std::to_integer<std::uint32_t>(at[1]) << 16) |
         (std::to_integer<std::uint32_t>(at[2]) << 8) | std::to_integer<std::uint32_t>(at[3]);
}

}  // namespace

Task<Result<ChunkDigest>> digest_stream(RowSource& source, RowHasher& hasher,
                                        std::size_t buffer_bytes) {
  ChunkDigest digest;
  auto read = co_await for_each_tuple(source, buffer_bytes, [&](std::span<std::byte> tuple) {
    auto row_hash = hasher.hash(tuple);
    if (!row_hash) return Status{fail(row_hash.error())};
    digest.add_row(*row_hash);
    return Status{};
  });
  if (!read) co_return fail(read.error());
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

Result<ChunkedTuple> split_chunk_number(std::span<std::byte> tuple) {
  // field count (2) | length of the first field (4) = 4 | its int4 value (4) | the other fields
  constexpr std::size_t kPrefix = 2 + 4 + 4;
  if (tuple.size() < kPrefix) {
    return fail(ErrorKind::kRuntime, "read-back by chunk: a tuple without its chunk number");
  }
  auto fields = (std::to_integer<unsigned>(tuple[0]) << 8) | std::to_integer<unsigned>(tuple[1]);
  if (fields == 0 || read_be32(tuple.data() + 2) != 4) {
    return fail(ErrorKind::kRuntime, "read-back by chunk: the chunk number is not an int4");
  }
  ChunkedTuple out;
  out.chunk = static_cast<int>(static_cast<std::int32_t>(read_be32(tuple.data() + 6)));
  std::byte* rest = tuple.data() + kPrefix - 2;
  rest[0] = static_cast<std::byte>((fields - 1) >> 8);
  rest[1] = static_cast<std::byte>((fields - 1) & 0xff);
  out.tuple = std::span<const std::byte>(rest, tuple.size() - (kPrefix - 2));
  return out;
}

Task<Status> digest_stream_by_chunk(RowSource& source, RowHasher& hasher,
                                    std::map<int, ChunkDigest>& digests, std::size_t buffer_bytes) {
  co_return co_await for_each_tuple(source, buffer_bytes, [&](std::span<std::byte> tuple) {
    auto split = split_chunk_number(tuple);
    if (!split) return Status{fail(split.error())};
    auto row_hash = hasher.hash(split->tuple);
    if (!row_hash) return Status{fail(row_hash.error())};
    digests[split->chunk].add_row(*row_hash);
    return Status{};
  });
}

Task<Status> digest_stream_by_key(RowSource& source, RowHasher& hasher,
                                  const IntegerKeyChunks& chunks,
                                  std::map<int, ChunkDigest>& digests, std::size_t buffer_bytes) {
  co_return co_await for_each_tuple(source, buffer_bytes, [&](std::span<std::byte> tuple) {
    auto chunk = chunks.chunk_of(tuple);
    if (!chunk) return Status{fail(chunk.error())};
    auto row_hash = hasher.hash(tuple);
    if (!row_hash) return Status{fail(row_hash.error())};
    digests[*chunk].add_row(*row_hash);
    return Status{};
  });
}

}  // namespace pgshift::verify
