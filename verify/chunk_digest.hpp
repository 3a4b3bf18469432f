// A chunk's digest: (row count, sum of XXH3-128 row hashes mod 2^128). Addition commutes, so row
// order does not matter and duplicate rows count; digests of parts add up to the digest of the
// whole, which is what lets a table be verified chunk by chunk. Plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgshift::verify {

using u128 = unsigned __int128;

struct ChunkDigest {
  std::uint64_t rows = 0;
  u128 sum = 0;

  void add_row(u128 row_hash) {
    ++rows;
    sum += row_hash;
  }
  void merge(const ChunkDigest& other) {
    rows += other.rows;
    sum += other.sum;
  }
  bool operator==(const ChunkDigest&) const = default;

  // 32 lowercase hex digits of the sum; the row count travels separately.
  std::string sum_hex() const;
  static std::optional<u128> parse_sum_hex(const std::string& hex);
  // A signed decimal integer (a server's sum of bigint row hashes, pg::server_digest_sql) as a
  // sum mod 2^128; nullopt if it is not one.
  static std::optional<u128> parse_sum_decimal(std::string_view decimal);
};

}  // namespace pgshift::verify
