// Throughput of the SQLite row source on one core: rows of an app-like table (short text, a JSON
// payload, an epoch integer, a timestamp text) stepped out of a real SQLite file and encoded into
// PostgreSQL binary COPY, in rows and encoded bytes per second. The file (200 000 rows) is built
// once in a temp directory and removed at exit; reads come from the page cache.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <string>

#include "connectors/sqlite/schema_reader.hpp"
#include "connectors/sqlite/sqlite_database.hpp"
#include "connectors/sqlite/sqlite_row_source.hpp"

namespace {

using namespace pgshift;
using namespace pgshift::sqlite;

constexpr int kRows = 200000;

class BenchFile {
 public:
  BenchFile() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "pgshift-bench-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    path_ = dir_ + "/app.db";
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    std::string sql =
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
        "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, payload JSON,"
        " at INTEGER NOT NULL, seen TEXT NOT NULL);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
        std::to_string(kRows) +
        ") INSERT INTO events SELECT i, CASE i % 4 WHEN 0 THEN 'view' WHEN 1 THEN 'click'"
        " WHEN 2 THEN 'search' ELSE 'café' END,"
        " CASE WHEN i % 9 = 0 THEN NULL ELSE printf('{\"user\": %d, \"page\": \"/posts/%d\","
        " \"ms\": %d}', i % 50000, i % 9000, i % 2000) END, 1600000000 + i * 37,"
        " printf('2024-03-01T12:%02d:%02d.%06d', i / 60 % 60, i % 60, i % 999999) FROM n;";
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  ~BenchFile() { std::filesystem::remove_all(dir_); }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

const BenchFile& bench_file() {
  static BenchFile file;
  return file;
}

Task<std::int64_t> read_all(SqliteRowSource& source, const Table& table) {
  Chunk whole;
  if (!co_await source.begin(table, whole)) co_return -1;
  std::vector<std::byte> buffer;
  std::int64_t bytes = 0;
  for (bool more = true; more;) {
    buffer.clear();
    auto read = co_await source.read(buffer, 1 << 20);
    if (!read) co_return -1;
    more = *read;
    bytes += static_cast<std::int64_t>(buffer.size());
  }
  co_return bytes;
}

void BM_SqliteRowSourceRead(benchmark::State& state) {
  auto db = open_read_only(bench_file().path());
  if (!db) {
    state.SkipWithError("cannot open the bench file");
    return;
  }
  auto schema = read_schema(db->get(), {});
  if (!schema) {
    state.SkipWithError(schema.error().message.c_str());
    return;
  }
  std::int64_t bytes = 0;
  for (auto _ : state) {
    SqliteRowSource source(db->get(), schema->sources);
    asio::io_context io;
    std::optional<std::int64_t> read;
    asio::co_spawn(io, read_all(source, schema->tables[0]),
                   [&](std::exception_ptr, std::int64_t got) { read = got; });
    io.run();
    if (!read || *read < 0) {
      state.SkipWithError("read failed");
      return;
    }
    bytes += *read;
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_SqliteRowSourceRead)->Unit(benchmark::kMillisecond);

}  // namespace
