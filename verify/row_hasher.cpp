#include "verify/row_hasher.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace pgshift::verify {
namespace {

u128 xxh3_128(const void* data, std::size_t size) {
  XXH128_hash_t h = XXH3_128bits(data, size);
  return (static_cast<u128>(h.high64) << 64) | h.low64;
}

}  // namespace

void canonicalize_float(std::span<std::byte> value) {
  if (value.size() == 8) {
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | std::to_integer<std::uint64_t>(value[i]);
    double d;
    std::memcpy(&d, &bits, 8);
    if (std::isnan(d)) {
      bits = 0x7ff8000000000000ULL;
    } else if (d == 0.0) {
      bits = 0;
    } else {
      return;
    }
    for (int i = 7; i >= 0; --i) {
      value[static_cast<std::size_t>(i)] = std::byte(bits & 0xff);
      bits >>= 8;
    }
  } else if (value.size() == 4) {
    std::uint32_t bits = pg::read_u32(value.data());
    float f;
    std::memcpy(&f, &bits, 4);
    if (std::isnan(f)) {
      bits = 0x7fc00000u;
    } else if (f == 0.0f) {
      bits = 0;
    } else {
      return;
    }
    pg::write_u32(value.data(), bits);
  }
}

RowHasher::RowHasher(std::vector<pg::ValueKind> column_kinds, const pg::TypeShapes* shapes)
    : kinds_(std::move(column_kinds)), shapes_(shapes) {
  in_place_ = std::all_of(kinds_.begin(), kinds_.end(),
                          [](pg::ValueKind kind) { return kind == pg::ValueKind::kScalar; });
}

Result<u128> RowHasher::hash(std::span<const std::byte> tuple) {
  if (in_place_) return xxh3_128(tuple.data(), tuple.size());
  scratch_.assign(tuple.begin(), tuple.end());
  std::span<std::byte> row(scratch_);
  Status walked;
  auto status = pg::for_each_field(row, [&](int index, std::span<std::byte> value, bool is_null) {
    if (is_null || !walked || static_cast<std::size_t>(index) >= kinds_.size()) return;
    auto kind = kinds_[static_cast<std::size_t>(index)];
    if (kind == pg::ValueKind::kScalar) return;
    walked = pg::walk_value(
        value, kind, *shapes_, [](std::byte* oid) { pg::write_u32(oid, 0); }, canonicalize_float);
  });
  if (!status) return fail(status.error());
  if (!walked) return fail(walked.error());
  return xxh3_128(scratch_.data(), scratch_.size());
}

}  // namespace pgshift::verify
