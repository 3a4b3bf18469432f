// Fuzz target: the SQLite page parser (btree_page.hpp) on arbitrary pages and file headers.
// Checks, besides memory safety: a parsed page has a known kind, children only when interior
// (one per cell plus the right-most, none zero), cells that fit the page's pointer array, and
// overflow counts no larger than the payload limit allows; parse_file_header only accepts powers
// of two from 512 to 65536 with at least 480 usable bytes.
//
// Input: byte 0 picks the page size (512 << (byte % 8), capped at 65536) and whether the page is
// page 1 (bit 7); the rest is the page, zero-padded or cut to the page size.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "connectors/sqlite/btree_page.hpp"

namespace {

using pgshift::sqlite::BtreePage;
using pgshift::sqlite::FileGeometry;
using pgshift::sqlite::PageKind;

[[noreturn]] void invariant_broken() {
  std::abort();
}

void check_page(const BtreePage& page, std::uint32_t page_size) {
  bool interior = pgshift::sqlite::is_interior(page.kind);
  if (page.kind != PageKind::kIndexInterior && page.kind != PageKind::kTableInterior &&
      page.kind != PageKind::kIndexLeaf && page.kind != PageKind::kTableLeaf) {
    invariant_broken();
  }
  if (page.cells * 2 > page_size) invariant_broken();
  if (interior != !page.children.empty()) invariant_broken();
  if (interior && page.children.size() != page.cells + 1) invariant_broken();
  for (std::uint32_t child : page.children) {
    if (child == 0) invariant_broken();
  }
  // Each cell's payload is at most 2^31 - 1 bytes, so at most that many overflow pages of >= 476.
  if (page.overflow_pages < 0 ||
      page.overflow_pages > static_cast<std::int64_t>(page.cells) * (0x7fffffffLL / 476 + 1)) {
    invariant_broken();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::uint32_t page_size = std::min<std::uint32_t>(65536, 512u << (data[0] % 8));
  bool first_page = (data[0] & 0x80) != 0;
  std::vector<std::byte> page(page_size);
  std::memcpy(page.data(), data + 1, std::min<std::size_t>(size - 1, page_size));

  if (auto geometry = pgshift::sqlite::parse_file_header(page)) {
    if (geometry->page_size < 512 || geometry->page_size > 65536 ||
        (geometry->page_size & (geometry->page_size - 1)) != 0 || geometry->usable_size < 480 ||
        geometry->usable_size > geometry->page_size) {
      invariant_broken();
    }
  }
  for (std::uint32_t reserved : {0u, 32u}) {
    FileGeometry geometry{page_size, page_size - reserved, false};
    if (auto parsed = pgshift::sqlite::parse_btree_page(page, first_page ? 1 : 2, geometry)) {
      check_page(*parsed, page_size);
    }
  }
  return 0;
}

std::vector<std::vector<std::uint8_t>> fuzz_seeds() {
  auto page = [](std::uint8_t config, std::vector<std::uint8_t> body) {
    body.insert(body.begin(), config);
    return body;
  };
  std::vector<std::uint8_t> leaf(512, 0);
  leaf[0] = 13;
  leaf[4] = 2;  // two cells, at 300 and 400
  leaf[8] = 0x01, leaf[9] = 0x2c, leaf[10] = 0x01, leaf[11] = 0x90;
  leaf[300] = 0x85, leaf[301] = 0x00, leaf[302] = 1;  // payload 640: spills
  leaf[400] = 3, leaf[401] = 2;
  std::vector<std::uint8_t> interior(512, 0);
  interior[0] = 5;
  interior[4] = 1;
  interior[8] = 0, interior[9] = 0, interior[10] = 0, interior[11] = 9;  // right-most: page 9
  interior[12] = 0x01, interior[13] = 0x00;
  interior[256] = 0, interior[257] = 0, interior[258] = 0, interior[259] = 4, interior[260] = 7;
  std::vector<std::uint8_t> index_leaf(512, 0);
  index_leaf[0] = 10;
  index_leaf[4] = 1;
  index_leaf[8] = 0x01, index_leaf[9] = 0x00;
  index_leaf[256] = 0x83, index_leaf[257] = 0x10;  // payload 400: spills on 512-byte pages
  std::vector<std::uint8_t> header(512, 0);
  std::memcpy(header.data(), "SQLite format 3", 16);
  header[16] = 0x02;  // 512
  header[100] = 13;
  return {page(0, leaf), page(0, interior), page(0, index_leaf), page(0x80, header)};
}
