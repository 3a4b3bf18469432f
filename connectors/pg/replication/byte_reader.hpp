// A cursor over a byte span for the replication stream's formats: big-endian integers, LSNs,
// NUL-terminated strings and length-prefixed bytes, every read checked against the span's end.
// Each read names its field; the first that fails (or the first `fail`) is kept as error(), and
// every read after it fails too, so a chain of reads joined with && stops at the first problem.
// Views it returns point into the span, which must outlive them. Not thread-safe; header-only.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "connectors/pg/replication/lsn.hpp"

namespace pgshift::pg::replication {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> bytes) : bytes_(bytes) {}

  std::size_t offset() const { return at_; }
  std::size_t remaining() const { return bytes_.size() - at_; }
  const std::string& error() const { return error_; }

  // An integer of sizeof(T) bytes, big-endian (two's complement for signed T).
  template <std::integral T>
  bool read(T& out, std::string_view field) {
    if (!need(sizeof(T), field)) return false;
    std::make_unsigned_t<T> value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      value = static_cast<std::make_unsigned_t<T>>((value << 8) |
                                                   static_cast<std::uint8_t>(bytes_[at_ + i]));
    }
    at_ += sizeof(T);
    out = static_cast<T>(value);
    return true;
  }

  bool read(Lsn& out, std::string_view field) { return read(out.value, field); }

  // `count` bytes as text (any bytes: a view, not checked for encoding).
  bool text(std::size_t count, std::string_view& out, std::string_view field) {
    if (!need(count, field)) return false;
    out = std::string_view(reinterpret_cast<const char*>(bytes_.data() + at_), count);
    at_ += count;
    return true;
  }

  // A NUL-terminated string; the view leaves the NUL out.
  bool cstring(std::string_view& out, std::string_view field) {
    if (!error_.empty()) return false;
    const void* nul = remaining() > 0 ? std::memchr(bytes_.data() + at_, 0, remaining()) : nullptr;
    if (nul == nullptr) {
      return fail(std::string(field) + ": no terminating NUL in the " +
                  std::to_string(remaining()) + " bytes left");
    }
    auto length =
        static_cast<std::size_t>(static_cast<const std::byte*>(nul) - bytes_.data()) - at_;
    out = std::string_view(reinterpret_cast<const char*>(bytes_.data() + at_), length);
    at_ += length + 1;
    return true;
  }

  // Everything not read yet.
  std::span<const std::byte> rest() {
    auto out = bytes_.subspan(at_);
    at_ = bytes_.size();
    return out;
  }

  // Records a problem found in what was read (a bad count, an unknown tag) and returns false. Only
  // the first problem is kept.
  bool fail(std::string problem) {
    if (error_.empty()) error_ = std::move(problem) + " (at byte " + std::to_string(at_) + ")";
    return false;
  }

  // Prefixes the error, if there is one, with where it happened ("new tuple column 3: ").
  void within(std::string_view where) {
    if (!error_.empty()) error_ = std::string(where) + ": " + error_;
  }

 private:
  bool need(std::size_t count, std::string_view field) {
    if (!error_.empty()) return false;
    if (count <= remaining()) return true;
    return fail(std::string(field) + ": truncated, needs " + std::to_string(count) + " bytes, " +
                std::to_string(remaining()) + " left");
  }

  std::span<const std::byte> bytes_;
  std::size_t at_ = 0;
  std::string error_;
};

}  // namespace pgshift::pg::replication
