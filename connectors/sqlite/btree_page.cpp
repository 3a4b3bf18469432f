#include "connectors/sqlite/btree_page.hpp"

#include <cstring>

namespace pgshift::sqlite {
namespace {

constexpr std::size_t kFileHeaderBytes = 100;
// SQLite's own limit on a record (SQLITE_MAX_LENGTH is at most 2^31 - 1).
constexpr std::uint64_t kMaxPayload = 0x7fffffff;

std::uint32_t read_be(std::span<const std::byte> bytes, std::size_t at, std::size_t width) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    value = (value << 8) | std::to_integer<std::uint32_t>(bytes[at + i]);
  }
  return value;
}

// SQLite's varint: 1-9 bytes, big-endian, seven bits a byte with the high bit as continuation,
// and all eight bits of a ninth byte. Advances `at`; nothing when the page ends first.
std::optional<std::uint64_t> read_varint(std::span<const std::byte> bytes, std::size_t& at) {
  std::uint64_t value = 0;
  for (int i = 0; i < 9; ++i) {
    if (at >= bytes.size()) return std::nullopt;
    auto byte = std::to_integer<std::uint64_t>(bytes[at++]);
    if (i == 8) return (value << 8) | byte;
    value = (value << 7) | (byte & 0x7f);
    if (!(byte & 0x80)) return value;
  }
  return value;
}

bool valid_kind(std::uint8_t byte) {
  return byte == 2 || byte == 5 || byte == 10 || byte == 13;
}

}  // namespace

std::optional<FileGeometry> parse_file_header(std::span<const std::byte> header) {
  static constexpr char kMagic[] = "SQLite format 3";  // with its NUL: 16 bytes
  if (header.size() < kFileHeaderBytes || std::memcmp(header.data(), kMagic, 16) != 0) {
    return std::nullopt;
  }
  std::uint32_t page_size = read_be(header, 16, 2);
  if (page_size == 1) page_size = 65536;
  if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0) {
    return std::nullopt;
  }
  std::uint32_t reserved = std::to_integer<std::uint32_t>(header[20]);
  // The format requires at least 480 usable bytes per page.
  if (page_size - reserved < 480) return std::nullopt;
  FileGeometry geometry;
  geometry.page_size = page_size;
  geometry.usable_size = page_size - reserved;
  geometry.wal_mode = header[18] == std::byte{2} || header[19] == std::byte{2};
  return geometry;
}

bool is_interior(PageKind kind) {
  return kind == PageKind::kIndexInterior || kind == PageKind::kTableInterior;
}

std::int64_t overflow_pages_for(std::int64_t payload, PageKind kind, std::uint32_t usable_size) {
  if (kind == PageKind::kTableInterior || payload <= 0) return 0;
  const std::int64_t usable = usable_size;
  const std::int64_t max_local =
      kind == PageKind::kTableLeaf ? usable - 35 : (usable - 12) * 64 / 255 - 23;
  if (payload <= max_local) return 0;
  const std::int64_t min_local = (usable - 12) * 32 / 255 - 23;
  const std::int64_t spill = usable - 4;  // an overflow page holds a 4-byte next-page number
  std::int64_t local = min_local + (payload - min_local) % spill;
  if (local > max_local) local = min_local;
  return (payload - local + spill - 1) / spill;
}

std::optional<BtreePage> parse_btree_page(std::span<const std::byte> page,
                                          std::uint32_t page_number, const FileGeometry& geometry) {
  if (geometry.usable_size == 0 || page.size() < geometry.usable_size) return std::nullopt;
  const std::span<const std::byte> usable = page.first(geometry.usable_size);
  const std::size_t header = page_number == 1 ? kFileHeaderBytes : 0;
  if (header + 8 > usable.size()) return std::nullopt;
  auto kind_byte = std::to_integer<std::uint8_t>(usable[header]);
  if (!valid_kind(kind_byte)) return std::nullopt;
  BtreePage out;
  out.kind = static_cast<PageKind>(kind_byte);
  const bool interior = is_interior(out.kind);
  const std::size_t header_bytes = interior ? 12 : 8;
  if (header + header_bytes > usable.size()) return std::nullopt;
  out.cells = read_be(usable, header + 3, 2);
  const std::size_t pointers = header + header_bytes;
  if (pointers + 2 * static_cast<std::size_t>(out.cells) > usable.size()) return std::nullopt;
  if (interior) out.children.reserve(out.cells + 1);

  for (std::uint32_t i = 0; i < out.cells; ++i) {
    std::size_t at = read_be(usable, pointers + 2 * i, 2);
    if (at < pointers + 2 * static_cast<std::size_t>(out.cells) || at >= usable.size()) {
      return std::nullopt;
    }
    if (interior) {
      if (at + 4 > usable.size()) return std::nullopt;
      out.children.push_back(read_be(usable, at, 4));
      at += 4;
    }
    if (out.kind == PageKind::kTableInterior) continue;  // a rowid only: no payload
    auto payload = read_varint(usable, at);
    if (!payload || *payload > kMaxPayload) return std::nullopt;
    if (out.kind == PageKind::kTableLeaf && !read_varint(usable, at)) return std::nullopt;
    out.overflow_pages +=
        overflow_pages_for(static_cast<std::int64_t>(*payload), out.kind, geometry.usable_size);
  }
  if (interior) out.children.push_back(read_be(usable, header + 8, 4));
  for (std::uint32_t child : out.children) {
    if (child == 0) return std::nullopt;
  }
  return out;
}

}  // namespace pgshift::sqlite
