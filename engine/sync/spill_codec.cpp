#include "engine/sync/spill_codec.hpp"

#include <zstd.h>

#include <stdexcept>
#include <string>

namespace pgshift::sync {
namespace {

constexpr std::size_t kFrameHeader = 8 + 4;
// Fast: a segment is compressed on the receiving path, which must keep up with the source.
constexpr int kCompressionLevel = 1;

void append_big_endian(std::vector<std::byte>& out, std::uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::byte>((value >> shift) & 0xff));
  }
}

std::uint64_t read_big_endian(std::span<const std::byte> in, std::size_t at, int bytes) {
  std::uint64_t out = 0;
  for (int i = 0; i < bytes; ++i) out = (out << 8) | static_cast<std::uint8_t>(in[at + i]);
  return out;
}

}  // namespace

void append_spill_message(std::vector<std::byte>& segment, pg::Lsn wal_start,
                          std::span<const std::byte> message) {
  append_big_endian(segment, wal_start.value, 8);
  append_big_endian(segment, message.size(), 4);
  segment.insert(segment.end(), message.begin(), message.end());
}

std::vector<std::byte> compress_segment(std::span<const std::byte> segment) {
  std::vector<std::byte> out(ZSTD_compressBound(segment.size()));
  std::size_t written =
      ZSTD_compress(out.data(), out.size(), segment.data(), segment.size(), kCompressionLevel);
  // Compressing into a buffer of the bound's size cannot fail short of a broken library.
  if (ZSTD_isError(written)) throw std::runtime_error(ZSTD_getErrorName(written));
  out.resize(written);
  return out;
}

Result<std::vector<std::byte>> decompress_segment(std::span<const std::byte> compressed,
                                                  std::size_t raw_size) {
  std::vector<std::byte> out(raw_size);
  std::size_t written =
      ZSTD_decompress(out.data(), out.size(), compressed.data(), compressed.size());
  if (ZSTD_isError(written) || written != raw_size) {
    return fail(ErrorKind::kRuntime,
                std::string("spill segment does not decompress to its recorded size: ") +
                    (ZSTD_isError(written) ? ZSTD_getErrorName(written) : "size differs"));
  }
  return out;
}

Result<std::vector<SpilledMessage>> split_segment(std::span<const std::byte> segment) {
  std::vector<SpilledMessage> out;
  std::size_t at = 0;
  while (at < segment.size()) {
    if (segment.size() - at < kFrameHeader) {
      return fail(ErrorKind::kRuntime,
                  "spill segment: truncated message header at byte " + std::to_string(at));
    }
    pg::Lsn wal_start{read_big_endian(segment, at, 8)};
    auto length = static_cast<std::size_t>(read_big_endian(segment, at + 8, 4));
    at += kFrameHeader;
    if (segment.size() - at < length) {
      return fail(ErrorKind::kRuntime,
                  "spill segment: message at byte " + std::to_string(at) + " runs past the end");
    }
    out.push_back({wal_start, segment.subspan(at, length)});
    at += length;
  }
  return out;
}

}  // namespace pgshift::sync
