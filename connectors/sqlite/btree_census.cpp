#include "connectors/sqlite/btree_census.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <span>
#include <utility>

#include "connectors/sqlite/btree_page.hpp"

namespace pgshift::sqlite {
namespace {

// Deepest b-tree the walk follows: SQLite's own trees stay below 20 levels.
constexpr int kMaxDepth = 40;

class ReadOnlyFile {
 public:
  explicit ReadOnlyFile(const std::string& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;
  ReadOnlyFile(ReadOnlyFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ReadOnlyFile& operator=(ReadOnlyFile&&) = delete;
  ~ReadOnlyFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool is_open() const { return fd_ >= 0; }

  std::optional<std::int64_t> size() const {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) return std::nullopt;
    return static_cast<std::int64_t>(info.st_size);
  }

  bool read_exactly(std::span<std::byte> into, std::int64_t offset) const {
    std::size_t done = 0;
    while (done < into.size()) {
      ssize_t got = ::pread(fd_, into.data() + done, into.size() - done,
                            static_cast<off_t>(offset + static_cast<std::int64_t>(done)));
      if (got <= 0) return false;
      done += static_cast<std::size_t>(got);
    }
    return true;
  }

 private:
  int fd_;
};

bool has_content(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && info.st_size > 0;
}

class Walker {
 public:
  Walker(const ReadOnlyFile& file, FileGeometry geometry, std::uint32_t file_pages)
      : file_(file),
        geometry_(geometry),
        file_pages_(file_pages),
        seen_(file_pages + 1, false),
        buffer_(geometry.page_size) {}

  std::optional<BtreeSize> measure(std::uint32_t root, int leaf_sample) {
    BtreeSize size;
    std::vector<std::uint32_t> level{root};
    if (!claim(root)) return std::nullopt;
    std::optional<bool> table_tree;
    for (int depth = 0;; ++depth) {
      if (depth > kMaxDepth) return std::nullopt;
      auto first = read(level.front());
      if (!first || !same_family(first->kind, table_tree)) return std::nullopt;
      if (!is_interior(first->kind)) break;
      std::vector<std::uint32_t> next;
      for (std::size_t i = 0; i < level.size(); ++i) {
        auto page = i == 0 ? std::move(first) : read(level[i]);
        if (!page || !is_interior(page->kind) || !same_family(page->kind, table_tree)) {
          return std::nullopt;
        }
        size.pages += 1 + page->overflow_pages;
        size.all_cells += page->cells;
        for (std::uint32_t child : page->children) {
          if (!claim(child)) return std::nullopt;
          next.push_back(child);
        }
      }
      level = std::move(next);
    }

    // `level` is the leaf level: all leaves of a b-tree are at one depth.
    const std::size_t leaves = level.size();
    const std::size_t sampled = std::min<std::size_t>(leaves, std::max(1, leaf_sample));
    std::int64_t cells = 0, overflow = 0;
    for (std::size_t i = 0; i < sampled; ++i) {
      auto page = read(level[i * leaves / sampled]);
      if (!page || is_interior(page->kind) || !same_family(page->kind, table_tree)) {
        return std::nullopt;
      }
      cells += page->cells;
      overflow += page->overflow_pages;
    }
    const double scale = static_cast<double>(leaves) / static_cast<double>(sampled);
    auto scaled = [&](std::int64_t count) {
      return static_cast<std::int64_t>(std::llround(static_cast<double>(count) * scale));
    };
    size.leaf_cells = scaled(cells);
    size.all_cells += size.leaf_cells;
    size.pages += static_cast<std::int64_t>(leaves) + scaled(overflow);
    size.bytes = size.pages * geometry_.page_size;
    return size;
  }

 private:
  // Every page belongs to one tree, once: a page met twice means the file is not what it seems.
  bool claim(std::uint32_t page) {
    if (page == 0 || page > file_pages_ || seen_[page]) return false;
    seen_[page] = true;
    return true;
  }

  static bool same_family(PageKind kind, std::optional<bool>& table_tree) {
    bool table = kind == PageKind::kTableInterior || kind == PageKind::kTableLeaf;
    if (!table_tree) table_tree = table;
    return *table_tree == table;
  }

  std::optional<BtreePage> read(std::uint32_t page) {
    std::int64_t offset = static_cast<std::int64_t>(page - 1) * geometry_.page_size;
    if (!file_.read_exactly(buffer_, offset)) return std::nullopt;
    return parse_btree_page(buffer_, page, geometry_);
  }

  const ReadOnlyFile& file_;
  FileGeometry geometry_;
  std::uint32_t file_pages_;
  std::vector<bool> seen_;
  std::vector<std::byte> buffer_;
};

}  // namespace

std::optional<std::map<std::string, BtreeSize>> census_btrees(const std::string& path,
                                                              const std::vector<BtreeRoot>& roots,
                                                              int leaf_sample) {
  // Committed pages may still sit in a -wal file, and a -journal file may mean a writer is
  // midway: then the main file is not the database SQLite reads.
  if (has_content(path + "-wal") || has_content(path + "-journal")) return std::nullopt;
  ReadOnlyFile file(path);
  if (!file.is_open()) return std::nullopt;
  std::vector<std::byte> header(100);
  if (!file.read_exactly(header, 0)) return std::nullopt;
  auto geometry = parse_file_header(header);
  auto file_bytes = file.size();
  if (!geometry || !file_bytes) return std::nullopt;
  std::int64_t file_pages = *file_bytes / geometry->page_size;
  if (file_pages < 1 || file_pages > 0xfffffffeLL) return std::nullopt;

  Walker walker(file, *geometry, static_cast<std::uint32_t>(file_pages));
  std::map<std::string, BtreeSize> out;
  for (const auto& root : roots) {
    auto size = walker.measure(root.page, leaf_sample);
    if (!size) return std::nullopt;
    out[root.name] = *size;
  }
  return out;
}

}  // namespace pgshift::sqlite
