// PostgreSQL binary COPY framing, as pure functions over bytes: no I/O, no allocation.
// The parser walks a buffer that holds a prefix of the stream (header, tuples, trailer) and reports
// each complete tuple as a mutable span, so callers can hash it and patch embedded OIDs in place
// before forwarding. Bytes of an incomplete tuple at the end are left for the next call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "engine/core/result.hpp"

namespace pgshift::pg {

inline constexpr unsigned char kCopySignature[11] = {'P',  'G',  'C',  'O',  'P', 'Y',
                                                     '\n', 0xff, '\r', '\n', 0};
inline constexpr std::size_t kCopyHeaderFixedBytes = 19;  // signature + flags + extension length

inline std::uint16_t read_u16(const std::byte* p) {
  return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) |
                                    std::to_integer<unsigned>(p[1]));
}
inline std::uint32_t read_u32(const std::byte* p) {
  return (std::to_integer<std::uint32_t>(p[0]) << 24) |
         (std::to_integer<std::uint32_t>(p[1]) << 16) |
         (std::to_integer<std::uint32_t>(p[2]) << 8) | std::to_integer<std::uint32_t>(p[3]);
}
inline void write_u32(std::byte* p, std::uint32_t value) {
  p[0] = std::byte(value >> 24);
  p[1] = std::byte(value >> 16);
  p[2] = std::byte(value >> 8);
  p[3] = std::byte(value);
}

// Visits the fields of one tuple (the bytes after its 16-bit field count).
// `visit(index, std::span<std::byte> value_or_empty, bool is_null)`.
template <class Visit>
Status for_each_field(std::span<std::byte> tuple, Visit&& visit) {
  if (tuple.size() < 2) return fail(ErrorKind::kRuntime, "binary COPY: truncated tuple");
  int fields = static_cast<std::int16_t>(read_u16(tuple.data()));
  std::size_t at = 2;
  for (int index = 0; index < fields; ++index) {
    if (at + 4 > tuple.size()) return fail(ErrorKind::kRuntime, "binary COPY: truncated field");
    auto length = static_cast<std::int32_t>(read_u32(tuple.data() + at));
    at += 4;
    if (length < 0) {
      visit(index, std::span<std::byte>(), true);
      continue;
    }
    if (at + static_cast<std::size_t>(length) > tuple.size()) {
      return fail(ErrorKind::kRuntime, "binary COPY: field overruns tuple");
    }
    visit(index, tuple.subspan(at, static_cast<std::size_t>(length)), false);
    at += static_cast<std::size_t>(length);
  }
  return {};
}

class CopyBinaryParser {
 public:
  enum class Phase { kHeader, kTuples, kDone };

  // Walks `buffer` from its start (which must be where the previous call stopped), calling
  // on_tuple(std::span<std::byte>) for each complete tuple. Returns how many bytes were consumed;
  // the caller keeps the rest and passes it again, extended, next time.
  template <class OnTuple>
  Result<std::size_t> parse(std::span<std::byte> buffer, OnTuple&& on_tuple) {
    std::size_t at = 0;
    if (phase_ == Phase::kHeader) {
      if (buffer.size() < kCopyHeaderFixedBytes) return at;
      if (std::memcmp(buffer.data(), kCopySignature, sizeof kCopySignature) != 0) {
        return fail(ErrorKind::kRuntime, "binary COPY: bad signature");
      }
      std::uint32_t extension = read_u32(buffer.data() + 15);
      if (extension > (1u << 20)) return fail(ErrorKind::kRuntime, "binary COPY: bad header");
      if (buffer.size() < kCopyHeaderFixedBytes + extension) return at;
      at = kCopyHeaderFixedBytes + extension;
      phase_ = Phase::kTuples;
    }
    while (phase_ == Phase::kTuples) {
      if (buffer.size() - at < 2) break;
      auto fields = static_cast<std::int16_t>(read_u16(buffer.data() + at));
      if (fields == -1) {
        at += 2;
        phase_ = Phase::kDone;
        break;
      }
      if (fields < 0) return fail(ErrorKind::kRuntime, "binary COPY: negative field count");
      if (expected_fields_ >= 0 && fields != expected_fields_) {
        return fail(ErrorKind::kRuntime, "binary COPY: tuple has " + std::to_string(fields) +
                                             " fields, expected " +
                                             std::to_string(expected_fields_));
      }
      std::size_t end = at + 2;
      bool complete = true;
      for (int field = 0; field < fields; ++field) {
        if (buffer.size() - end < 4) {
          complete = false;
          break;
        }
        auto length = static_cast<std::int32_t>(read_u32(buffer.data() + end));
        end += 4;
        if (length < -1) return fail(ErrorKind::kRuntime, "binary COPY: negative field length");
        if (length > 0) {
          if (buffer.size() - end < static_cast<std::size_t>(length)) {
            complete = false;
            break;
          }
          end += static_cast<std::size_t>(length);
        }
      }
      if (!complete) break;
      on_tuple(buffer.subspan(at, end - at));
      ++tuples_;
      at = end;
    }
    if (phase_ == Phase::kDone && at != buffer.size()) {
      return fail(ErrorKind::kRuntime, "binary COPY: data after trailer");
    }
    return at;
  }

  void expect_fields(int count) { expected_fields_ = count; }
  Phase phase() const { return phase_; }
  std::uint64_t tuples() const { return tuples_; }

 private:
  Phase phase_ = Phase::kHeader;
  int expected_fields_ = -1;
  std::uint64_t tuples_ = 0;
};

}  // namespace pgshift::pg
