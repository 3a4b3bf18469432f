// Parsing of SQLite's file format (https://sqlite.org/fileformat2.html), as far as sizing needs:
// the database header's page geometry, and one b-tree page's type, children, cell count and the
// overflow pages its cells own. Pure: no I/O, no SQLite library; every offset is checked against
// the page, so any bytes give a value or nothing, never a read outside them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace pgshift::sqlite {

struct FileGeometry {
  std::uint32_t page_size = 0;    // 512 to 65536
  std::uint32_t usable_size = 0;  // page_size minus the reserved bytes at the end of each page
  bool wal_mode = false;          // pages may live in the -wal file, not in the main file
};

// The first 100 bytes of the file: nothing unless they are a SQLite 3 header with a valid page
// size.
std::optional<FileGeometry> parse_file_header(std::span<const std::byte> header);

enum class PageKind : std::uint8_t {
  kIndexInterior = 2,
  kTableInterior = 5,
  kIndexLeaf = 10,
  kTableLeaf = 13,
};

struct BtreePage {
  PageKind kind = PageKind::kTableLeaf;
  std::uint32_t cells = 0;
  std::vector<std::uint32_t> children;  // interior pages: left children in order, then right-most
  std::int64_t overflow_pages = 0;      // pages of the overflow chains this page's cells start
};

bool is_interior(PageKind kind);

// One b-tree page. `page` is the whole page (page_size bytes); page 1's b-tree header follows
// the 100-byte file header. Nothing when the page is not a well-formed b-tree page.
std::optional<BtreePage> parse_btree_page(std::span<const std::byte> page,
                                          std::uint32_t page_number, const FileGeometry& geometry);

// Overflow pages of a cell whose payload is `payload` bytes, on a page of this kind.
std::int64_t overflow_pages_for(std::int64_t payload, PageKind kind, std::uint32_t usable_size);

}  // namespace pgshift::sqlite
