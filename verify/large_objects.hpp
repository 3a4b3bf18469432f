// Large objects compared by content: per object its length and XXH3-128 over its bytes, and the
// set of OIDs on each side. Bytes are read in pieces as encode(lo_get(...), 'hex') text, which no
// session or database setting changes (under bytea_output = escape, lo_get's own text form is
// not hex, and its length says nothing about the piece's). Reads run inside whatever transaction
// the connection is in (a verify snapshot, or none); nothing is written. Not thread-safe.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "verify/chunk_digest.hpp"
#include "verify/report.hpp"

namespace pgshift::verify {

inline constexpr long long kLargeObjectPiece = 1 << 20;  // bytes read or written per round trip

struct LargeObjectDigest {
  std::uint64_t bytes = 0;
  u128 hash = 0;  // XXH3-128 over the object's bytes, whatever pieces they came in
  bool operator==(const LargeObjectDigest&) const = default;
};

// Streams one object's bytes through XXH3-128. Move-only (owns the XXH3 state).
class LargeObjectHasher {
 public:
  LargeObjectHasher();
  ~LargeObjectHasher();
  LargeObjectHasher(LargeObjectHasher&& other) noexcept;
  LargeObjectHasher& operator=(LargeObjectHasher&&) = delete;

  void update(std::span<const std::byte> bytes);
  LargeObjectDigest digest() const;

 private:
  XXH3_state_t* state_;
  std::uint64_t bytes_ = 0;
};

// Decodes hex text without a "\x" prefix (as encode(..., 'hex') prints it); fails on an odd length
// or a non-hex digit.
Result<std::vector<std::byte>> decode_hex(std::string_view hex);

// At most `length` bytes of object `oid` from `offset`, as hex text; empty at or past its end.
Task<Result<std::string>> read_large_object_piece(pg::Connection& connection, std::uint32_t oid,
                                                  long long offset, long long length);

Task<Result<LargeObjectDigest>> digest_large_object(pg::Connection& connection, std::uint32_t oid);

// Every large object of the database, by OID.
Task<Result<std::map<std::uint32_t, LargeObjectDigest>>> digest_large_objects(
    pg::Connection& connection);

struct LargeObjectDifference {
  std::uint32_t oid = 0;
  std::string kind;  // missing (source only) | extra (target only) | changed
  std::string detail;
};
std::vector<LargeObjectDifference> compare_large_objects(
    const std::map<std::uint32_t, LargeObjectDigest>& source,
    const std::map<std::uint32_t, LargeObjectDigest>& target);

// The report's entry for the large objects, "pg_catalog.pg_largeobject": object counts, bytes,
// and per kind of difference one mismatch naming the OIDs. `compared`: whether contents were
// compared (the entry counts as one verified chunk when they were, and all were equal).
ReportTable large_objects_report(std::size_t source_objects, std::size_t target_objects,
                                 std::uint64_t source_bytes,
                                 const std::vector<LargeObjectDifference>& differences,
                                 bool compared);

}  // namespace pgshift::verify
