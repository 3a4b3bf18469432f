#include "verify/streaming_row_hash.hpp"

#include <algorithm>
#include <array>

#include "engine/model/copy_binary.hpp"
#include "verify/row_hasher.hpp"

namespace pgshift::verify {
namespace {

std::array<std::byte, 4> big_endian(std::uint32_t value) {
  std::array<std::byte, 4> out;
  pg::write_u32(out.data(), value);
  return out;
}

}  // namespace

StreamingRowHash::StreamingRowHash(std::vector<pg::ValueKind> column_kinds,
                                   const pg::TypeShapes* shapes)
    : kinds_(std::move(column_kinds)), shapes_(shapes), state_(XXH3_createState()) {}

void StreamingRowHash::feed(const void* data, std::size_t size) {
  XXH3_128bits_update(state_.get(), data, size);
}

void StreamingRowHash::begin_row(int fields) {
  XXH3_128bits_reset(state_.get());
  fields_ = fields;
  next_field_ = 0;
  piece_bytes_left_ = 0;
  overrun_ = false;
  std::byte count[2] = {std::byte(static_cast<unsigned>(fields) >> 8),
                        std::byte(static_cast<unsigned>(fields) & 0xff)};
  feed(count, 2);
}

Status StreamingRowHash::field(std::optional<std::span<const std::byte>> value) {
  if (next_field_ >= fields_ || piece_bytes_left_ > 0) {
    return fail(ErrorKind::kRuntime, "large row: a field out of order");
  }
  auto index = static_cast<std::size_t>(next_field_++);
  if (!value) {
    feed(big_endian(0xffffffffu).data(), 4);
    return {};
  }
  feed(big_endian(static_cast<std::uint32_t>(value->size())).data(), 4);
  pg::ValueKind kind = index < kinds_.size() ? kinds_[index] : pg::ValueKind::kScalar;
  if (kind == pg::ValueKind::kScalar) {
    feed(value->data(), value->size());
    return {};
  }
  scratch_.assign(value->begin(), value->end());
  auto walked = pg::walk_value(
      std::span<std::byte>(scratch_), kind, *shapes_, [](std::byte* oid) { pg::write_u32(oid, 0); },
      canonicalize_float);
  if (!walked) return walked;
  feed(scratch_.data(), scratch_.size());
  return {};
}

Status StreamingRowHash::begin_field(std::uint32_t length) {
  if (next_field_ >= fields_ || piece_bytes_left_ > 0) {
    return fail(ErrorKind::kRuntime, "large row: a field out of order");
  }
  auto index = static_cast<std::size_t>(next_field_++);
  if (index < kinds_.size() && kinds_[index] != pg::ValueKind::kScalar) {
    return fail(ErrorKind::kRuntime, "large row: only a scalar value can come in pieces");
  }
  feed(big_endian(length).data(), 4);
  piece_bytes_left_ = length;
  return {};
}

void StreamingRowHash::piece(std::span<const std::byte> bytes) {
  feed(bytes.data(), bytes.size());
  if (bytes.size() > piece_bytes_left_) overrun_ = true;
  piece_bytes_left_ -= std::min<std::uint64_t>(piece_bytes_left_, bytes.size());
}

Result<u128> StreamingRowHash::finish() {
  if (next_field_ != fields_ || piece_bytes_left_ > 0 || overrun_) {
    return fail(ErrorKind::kRuntime, "large row: its pieces do not add up to its fields");
  }
  XXH128_hash_t h = XXH3_128bits_digest(state_.get());
  return (static_cast<u128>(h.high64) << 64) | h.low64;
}

}  // namespace pgshift::verify
