// The b-tree census over real SQLite files, with dbstat as the oracle: with a sample as large as
// the tree it must agree with dbstat exactly (pages, leaf cells, all cells) for rowid, WITHOUT
// ROWID and index trees of several depths, page sizes and overflow shapes; with a small sample it
// must stay close. And it must refuse (nothing, so the caller uses dbstat) when a -wal or -journal
// file may hold newer pages or when a page is not what its tree says. The page parser on its own:
// header checks and the overflow arithmetic at SQLite's boundaries.
#include "connectors/sqlite/btree_census.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

#include "connectors/sqlite/btree_page.hpp"
#include "connectors/sqlite/sqlite_database.hpp"
#include "tests/unit/temp_database.hpp"

namespace pgshift::sqlite {
namespace {

std::vector<BtreeRoot> roots_of(const std::string& path) {
  auto db = open_read_only(path);
  EXPECT_TRUE(db);
  std::vector<BtreeRoot> roots;
  auto statement =
      prepare(db->get(), "SELECT name, rootpage FROM sqlite_schema WHERE rootpage > 0");
  EXPECT_TRUE(statement);
  while (*step(db->get(), statement->get())) {
    roots.push_back({column_text(statement->get(), 0),
                     static_cast<std::uint32_t>(sqlite3_column_int64(statement->get(), 1))});
  }
  roots.push_back({"sqlite_schema", 1});
  return roots;
}

std::map<std::string, BtreeSize> dbstat_of(const std::string& path) {
  auto db = open_read_only(path);
  EXPECT_TRUE(db);
  std::map<std::string, BtreeSize> out;
  auto statement = prepare(db->get(),
                           "SELECT name, sum(pgsize), count(*), "
                           "sum(CASE WHEN pagetype = 'leaf' THEN ncell ELSE 0 END), "
                           "sum(CASE WHEN pagetype = 'overflow' THEN 0 ELSE ncell END) "
                           "FROM dbstat GROUP BY name");
  EXPECT_TRUE(statement);
  while (*step(db->get(), statement->get())) {
    sqlite3_stmt* s = statement->get();
    out[column_text(s, 0)] = BtreeSize{sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
                                       sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4)};
  }
  return out;
}

// Rows of every shape that moves the census: short rows, rows that spill to one or several
// overflow pages, a WITHOUT ROWID table, a text index whose keys spill too, small and deep trees.
void fill(TempDatabase& file, int page_size, int rows) {
  file.exec("PRAGMA page_size = " + std::to_string(page_size) +
            ";"
            "CREATE TABLE small (id INTEGER PRIMARY KEY, v TEXT);"
            "INSERT INTO small VALUES (1, 'one'), (2, 'two');"
            "CREATE TABLE rows (id INTEGER PRIMARY KEY, name TEXT, blob BLOB);"
            "CREATE INDEX rows_name ON rows(name);"
            "CREATE TABLE pairs (a INTEGER, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
            std::to_string(rows) +
            ")"
            "INSERT INTO rows SELECT i, printf('name-%08d-', i) || hex(randomblob(i % 7 * 40)),"
            " CASE WHEN i % 5 = 0 THEN randomblob(i % 97 * 131) END FROM n;"
            "INSERT INTO pairs SELECT id, name FROM rows;"
            "DELETE FROM rows WHERE id % 11 = 0;");
}

void expect_exact(const std::string& path) {
  auto census = census_btrees(path, roots_of(path), 1 << 30);
  ASSERT_TRUE(census);
  auto oracle = dbstat_of(path);
  for (const auto& [name, size] : oracle) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(census->contains(name));
    const BtreeSize& got = census->at(name);
    EXPECT_EQ(got.pages, size.pages);
    EXPECT_EQ(got.bytes, size.bytes);
    EXPECT_EQ(got.leaf_cells, size.leaf_cells);
    EXPECT_EQ(got.all_cells, size.all_cells);
  }
}

TEST(SqliteBtreeCensus, FullSampleAgreesWithDbstatAtEveryPageSize) {
  for (int page_size : {512, 4096, 65536}) {
    SCOPED_TRACE(page_size);
    TempDatabase file;
    fill(file, page_size, page_size == 512 ? 3000 : 20000);
    expect_exact(file.path());
  }
}

TEST(SqliteBtreeCensus, ReservedBytesShrinkWhatEachPageHolds) {
  TempDatabase file;
  file.exec("PRAGMA page_size = 1024; CREATE TABLE t (x INTEGER PRIMARY KEY, b BLOB);");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.path().c_str(), &db), SQLITE_OK);
    int reserve = 32;
    ASSERT_EQ(sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "VACUUM", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  file.exec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
      "INSERT INTO t SELECT i, randomblob(i % 50 * 61) FROM n;");
  std::ifstream in(file.path(), std::ios::binary);
  char header[100];
  in.read(header, 100);
  ASSERT_EQ(static_cast<unsigned char>(header[20]), 32u);  // the reserve took
  expect_exact(file.path());
}

TEST(SqliteBtreeCensus, TheDefaultSampleStaysClose) {
  TempDatabase file;
  fill(file, 4096, 60000);
  auto census = census_btrees(file.path(), roots_of(file.path()));
  ASSERT_TRUE(census);
  for (const auto& [name, size] : dbstat_of(file.path())) {
    SCOPED_TRACE(name);
    const BtreeSize& got = census->at(name);
    EXPECT_NEAR(static_cast<double>(got.pages), static_cast<double>(size.pages),
                0.10 * static_cast<double>(size.pages) + 1);
    EXPECT_NEAR(static_cast<double>(got.leaf_cells), static_cast<double>(size.leaf_cells),
                0.10 * static_cast<double>(size.leaf_cells) + 1);
  }
}

TEST(SqliteBtreeCensus, RefusesWhenAWalOrJournalFileMayHoldNewerPages) {
  for (const char* suffix : {"-wal", "-journal"}) {
    TempDatabase file;
    fill(file, 4096, 100);
    auto roots = roots_of(file.path());
    ASSERT_TRUE(census_btrees(file.path(), roots));
    std::ofstream(file.path() + suffix) << "pages";
    EXPECT_FALSE(census_btrees(file.path(), roots)) << suffix;
  }
}

TEST(SqliteBtreeCensus, RefusesAPageThatIsNotWhatItsTreeSays) {
  TempDatabase file;
  fill(file, 4096, 20000);
  auto roots = roots_of(file.path());
  std::uint32_t rows_root = 0;
  for (const auto& root : roots) {
    if (root.name == "rows") rows_root = root.page;
  }
  ASSERT_GT(rows_root, 1u);
  auto patch = [&](std::streamoff at, std::initializer_list<unsigned char> bytes) {
    std::fstream io(file.path(), std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(static_cast<std::streamoff>(rows_root - 1) * 4096 + at);
    for (unsigned char byte : bytes) io.put(static_cast<char>(byte));
  };
  // The root of `rows` is an interior table page: point its right-most child back at itself.
  patch(8,
        {static_cast<unsigned char>(rows_root >> 24), static_cast<unsigned char>(rows_root >> 16),
         static_cast<unsigned char>(rows_root >> 8), static_cast<unsigned char>(rows_root)});
  EXPECT_FALSE(census_btrees(file.path(), roots));
  patch(0, {7});  // no such page kind
  EXPECT_FALSE(census_btrees(file.path(), roots));
  // A root past the end of the file, and two trees claiming one page.
  EXPECT_FALSE(census_btrees(file.path(), {{"nowhere", 1u << 30}}));
  EXPECT_FALSE(census_btrees(file.path(), {{"a", 2}, {"b", 2}}));
}

TEST(SqliteBtreePage, HeaderNeedsTheMagicAndAValidPageSize) {
  std::vector<std::byte> header(100);
  std::memcpy(header.data(), "SQLite format 3", 16);
  header[16] = std::byte{0x10};  // 4096
  header[18] = header[19] = std::byte{2};
  header[20] = std::byte{8};
  auto geometry = parse_file_header(header);
  ASSERT_TRUE(geometry);
  EXPECT_EQ(geometry->page_size, 4096u);
  EXPECT_EQ(geometry->usable_size, 4088u);
  EXPECT_TRUE(geometry->wal_mode);
  header[16] = std::byte{0};
  header[17] = std::byte{1};  // 1 means 65536
  EXPECT_EQ(parse_file_header(header)->page_size, 65536u);
  header[17] = std::byte{3};  // not a power of two
  EXPECT_FALSE(parse_file_header(header));
  header[16] = std::byte{0x02};
  header[17] = std::byte{0};  // 512, with 40 reserved: 472 usable, under the format's 480
  header[20] = std::byte{40};
  EXPECT_FALSE(parse_file_header(header));
  header[0] = std::byte{'s'};
  EXPECT_FALSE(parse_file_header(std::span(header)));
}

TEST(SqliteBtreePage, OverflowArithmeticAtSqlitesBoundaries) {
  // 4096-byte pages: a table leaf keeps up to U - 35 = 4061 bytes on the page.
  EXPECT_EQ(overflow_pages_for(4061, PageKind::kTableLeaf, 4096), 0);
  EXPECT_EQ(overflow_pages_for(4062, PageKind::kTableLeaf, 4096), 1);
  // M = (U - 12) * 32 / 255 - 23 = 489; 4062 keeps K = 489 + (4062 - 489) % 4092 = 4062 > X, so
  // M stays local and 3573 bytes spill into one page.
  EXPECT_EQ(overflow_pages_for(489 + 4092 * 3, PageKind::kTableLeaf, 4096), 3);
  EXPECT_EQ(overflow_pages_for(489 + 4092 * 3 + 1, PageKind::kTableLeaf, 4096), 3);  // K local
  // Index cells spill past X = (U - 12) * 64 / 255 - 23 = 1002.
  EXPECT_EQ(overflow_pages_for(1002, PageKind::kIndexLeaf, 4096), 0);
  EXPECT_EQ(overflow_pages_for(1003, PageKind::kIndexInterior, 4096), 1);
  EXPECT_EQ(overflow_pages_for(1 << 20, PageKind::kTableInterior, 4096), 0);
}

TEST(SqliteBtreePage, CellPointersOutsideThePageAreRefused) {
  FileGeometry geometry{512, 512, false};
  std::vector<std::byte> page(512);
  page[0] = std::byte{13};  // table leaf
  page[4] = std::byte{1};   // one cell
  page[8] = std::byte{0x02};
  page[9] = std::byte{0x00};  // at 512: past the end
  EXPECT_FALSE(parse_btree_page(page, 2, geometry));
  page[8] = std::byte{0x01};  // at 256: payload 5, rowid 1
  page[256] = std::byte{5};
  page[257] = std::byte{1};
  auto parsed = parse_btree_page(page, 2, geometry);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->cells, 1u);
  EXPECT_EQ(parsed->overflow_pages, 0);
  page[0] = std::byte{7};  // no such page kind
  EXPECT_FALSE(parse_btree_page(page, 2, geometry));
}

}  // namespace
}  // namespace pgshift::sqlite
