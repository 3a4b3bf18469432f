#include "verify/integer_key_chunks.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "engine/model/copy_binary.hpp"

namespace pgshift::verify {
namespace {

constexpr std::uint32_t kInt8Oid = 20;
constexpr std::uint32_t kInt2Oid = 21;
constexpr std::uint32_t kInt4Oid = 23;

std::size_t integer_width(std::uint32_t type_oid) {
  switch (type_oid) {
    case kInt2Oid:
      return 2;
    case kInt4Oid:
      return 4;
    case kInt8Oid:
      return 8;
    default:
      return 0;
  }
}

std::optional<std::int64_t> parse_bound(const std::string& text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::int64_t read_signed(const std::byte* at, std::size_t width) {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < width; ++i)
    bits = (bits << 8) | std::to_integer<std::uint64_t>(at[i]);
  if (width < 8 && (bits >> (8 * width - 1)) != 0) bits |= ~std::uint64_t{0} << (8 * width);
  return static_cast<std::int64_t>(bits);
}

}  // namespace

std::optional<IntegerKeyChunks> IntegerKeyChunks::of(const Table& table,
                                                     const std::vector<const Chunk*>& chunks) {
  if (table.key.size() != 1 || chunks.empty()) return std::nullopt;
  const Column& key = table.columns[table.key.front()];
  IntegerKeyChunks out;
  out.width_ = integer_width(key.type_oid);
  if (out.width_ == 0 || key.generated) return std::nullopt;
  auto copied = table.copied_columns();
  auto at = std::find(copied.begin(), copied.end(), &key);
  if (at == copied.end()) return std::nullopt;
  out.field_ = static_cast<std::size_t>(at - copied.begin());
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    out.numbers_.push_back(chunks[i]->number);
    if (i == 0) continue;
    if (!chunks[i]->lower || chunks[i]->lower->size() != 1) return std::nullopt;
    auto bound = parse_bound(chunks[i]->lower->front());
    if (!bound || (!out.lowers_.empty() && *bound <= out.lowers_.back())) return std::nullopt;
    out.lowers_.push_back(*bound);
  }
  return out;
}

int IntegerKeyChunks::chunk_of_key(std::int64_t key) const {
  auto after = std::upper_bound(lowers_.begin(), lowers_.end(), key);
  return numbers_[static_cast<std::size_t>(after - lowers_.begin())];
}

Result<int> IntegerKeyChunks::chunk_of(std::span<const std::byte> tuple) const {
  if (tuple.size() < 2) return fail(ErrorKind::kRuntime, "read-back by key: truncated tuple");
  auto fields = static_cast<std::size_t>(pg::read_u16(tuple.data()));
  if (field_ >= fields)
    return fail(ErrorKind::kRuntime, "read-back by key: the key field is missing");
  std::size_t offset = 2;
  for (std::size_t index = 0;; ++index) {
    if (offset + 4 > tuple.size()) {
      return fail(ErrorKind::kRuntime, "read-back by key: truncated field");
    }
    auto length = static_cast<std::int32_t>(pg::read_u32(tuple.data() + offset));
    offset += 4;
    if (index == field_) {
      if (length < 0) return numbers_.back();
      if (static_cast<std::size_t>(length) != width_ || offset + width_ > tuple.size()) {
        return fail(ErrorKind::kRuntime, "read-back by key: the key is not a " +
                                             std::to_string(width_) + "-byte integer");
      }
      return chunk_of_key(read_signed(tuple.data() + offset, width_));
    }
    if (length > 0) offset += static_cast<std::size_t>(length);
  }
}

}  // namespace pgshift::verify
