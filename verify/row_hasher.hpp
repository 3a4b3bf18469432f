// Canonical row hash: XXH3-128 over a binary COPY tuple in canonical form — the field count, then
// each field length-prefixed with NULL as length -1 (that is the COPY tuple itself), with every
// type OID embedded in array/record values set to 0 and every float's -0.0 and NaN normalized. Rows
// of tables with no arrays, records or floats are already canonical and are hashed in place. One
// RowHasher per stream (it keeps a scratch buffer); not thread-safe.
#pragma once

#include <span>
#include <vector>

#include "engine/model/binary_values.hpp"
#include "verify/chunk_digest.hpp"

namespace pgshift::verify {

class RowHasher {
 public:
  RowHasher(std::vector<pg::ValueKind> column_kinds, const pg::TypeShapes* shapes);

  // `tuple` is a complete binary COPY tuple (from its 16-bit field count on).
  Result<u128> hash(std::span<const std::byte> tuple);
  bool canonical_in_place() const { return in_place_; }
  const std::vector<pg::ValueKind>& kinds() const { return kinds_; }
  const pg::TypeShapes* shapes() const { return shapes_; }

 private:
  std::vector<pg::ValueKind> kinds_;
  const pg::TypeShapes* shapes_;
  bool in_place_;
  std::vector<std::byte> scratch_;
};

// Normalizes one float4/float8 value in place: -0.0 -> +0.0, every NaN -> the canonical quiet NaN.
void canonicalize_float(std::span<std::byte> value);

}  // namespace pgshift::verify
