// The SQLite RowSource and chunk planner over real SQLite files made in a temp dir: the binary COPY
// stream (parsed back with pg::CopyBinaryParser) has the right rows, NULLs and values, arrives in
// reads of about `want` bytes, and the planned chunks (integer key ranges, rowid ranges, or one
// whole-table chunk) cover every row exactly once, rows with a NULL key included. Type errors name
// table, key and column; the null policy replaces and counts them. Driven by asio::io_context.
#include "connectors/sqlite/sqlite_row_source.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "connectors/sqlite/sqlite_chunk_planner.hpp"
#include "connectors/sqlite/sqlite_database.hpp"
#include "connectors/sqlite/sqlite_read_session.hpp"
#include "connectors/sqlite/sqlite_source.hpp"
#include "connectors/sqlite/value_scan.hpp"
#include "engine/model/copy_binary.hpp"
#include "engine/plan/sqlite_source_planner.hpp"
#include "tests/unit/run_task.hpp"
#include "tests/unit/temp_database.hpp"

namespace pgshift::sqlite {
namespace {

using test::run_task;

using Field = std::optional<std::vector<std::byte>>;
using Row = std::vector<Field>;

struct Streamed {
  std::vector<Row> rows;
  std::size_t reads = 0;
  std::size_t largest_read = 0;
};

Task<Result<Streamed>> stream_chunk(SqliteRowSource& source, const Table& table, const Chunk& chunk,
                                    std::size_t want) {
  Streamed out;
  if (auto begun = co_await source.begin(table, chunk); !begun) co_return fail(begun.error());
  pg::CopyBinaryParser parser;
  parser.expect_fields(static_cast<int>(table.copied_columns().size()));
  std::vector<std::byte> buffer;
  for (bool more = true; more;) {
    std::size_t before = buffer.size();
    auto read = co_await source.read(buffer, want);
    if (!read) co_return fail(read.error());
    more = *read;
    ++out.reads;
    out.largest_read = std::max(out.largest_read, buffer.size() - before);
    Status fields_ok;
    auto consumed = parser.parse(buffer, [&](std::span<std::byte> tuple) {
      Row row;
      auto walked = pg::for_each_field(tuple, [&](int, std::span<std::byte> value, bool is_null) {
        row.push_back(is_null ? Field()
                              : Field(std::vector<std::byte>(value.begin(), value.end())));
      });
      if (!walked) fields_ok = walked;
      out.rows.push_back(std::move(row));
    });
    if (!consumed) co_return fail(consumed.error());
    if (!fields_ok) co_return fail(fields_ok.error());
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*consumed));
  }
  if (parser.phase() != pg::CopyBinaryParser::Phase::kDone || !buffer.empty()) {
    co_return fail(ErrorKind::kRuntime, "stream did not end with a trailer");
  }
  auto after = co_await source.read(buffer, want);  // reading past the end stays ended
  if (!after || *after || !buffer.empty()) co_return fail(ErrorKind::kRuntime, "read after end");
  co_return out;
}

std::int64_t int8_of(const Field& field) {
  std::uint64_t value = 0;
  for (std::byte b : *field) value = (value << 8) | std::to_integer<std::uint64_t>(b);
  return static_cast<std::int64_t>(value);
}
std::int32_t int4_of(const Field& field) {
  return static_cast<std::int32_t>(int8_of(field));
}
double float8_of(const Field& field) {
  return std::bit_cast<double>(static_cast<std::uint64_t>(int8_of(field)));
}
std::string text_of(const Field& field) {
  return std::string(reinterpret_cast<const char*>(field->data()), field->size());
}

class SqliteRowSourceTest : public ::testing::Test {
 protected:
  void open(const std::string& sql, const SchemaOptions& options = {}) {
    file_.exec(sql);
    auto db = open_read_only(file_.path());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    auto schema = read_schema(db_.get(), options);
    ASSERT_TRUE(schema) << schema.error().message;
    schema_ = std::move(*schema);
  }

  std::size_t table_index(const std::string& name) const {
    for (std::size_t i = 0; i < schema_.tables.size(); ++i) {
      if (schema_.tables[i].name == name) return i;
    }
    ADD_FAILURE() << "no table " << name;
    return 0;
  }

  std::vector<Chunk> plan(const std::string& name, int chunks) {
    std::size_t i = table_index(name);
    auto planned = plan_sqlite_chunks(db_.get(), i, schema_.tables[i], schema_.sources[i], chunks);
    EXPECT_TRUE(planned) << planned.error().message;
    return planned ? *planned : std::vector<Chunk>{};
  }

  Result<Streamed> stream(const Chunk& chunk, std::size_t want = 64 << 10,
                          OnTypeError policy = OnTypeError::kFail,
                          SqliteRowSource* keep = nullptr) {
    SqliteRowSource local(db_.get(), schema_.sources, policy);
    SqliteRowSource& source = keep ? *keep : local;
    return run_task(stream_chunk(source, schema_.tables[chunk.table_index], chunk, want));
  }

  // `events` (keyless, with an index on kind) and `plain` (the same rows, no index).
  void open_indexed_and_plain(int rows) {
    open(
        "CREATE TABLE events (kind TEXT, at INTEGER);"
        "CREATE INDEX events_kind ON events (kind);"
        "CREATE TABLE plain (kind TEXT, at INTEGER);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
        std::to_string(rows) +
        ") INSERT INTO events SELECT printf('kind %d %.*c', i % 7, i % 50, 'x'), i FROM n;"
        "INSERT INTO plain SELECT * FROM events;");
  }

  TempDatabase file_;
  DatabaseHandle db_;
  SqliteSchema schema_;
};

constexpr const char* kItems = R"sql(
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  name TEXT,
  price REAL,
  flag BOOLEAN,
  born DATE,
  data BLOB,
  created DATETIME
);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO items
SELECT i * 3, 'name ' || i || ' ü', i + 0.25, i % 2, date('2000-01-01', '+' || i || ' days'),
       CASE WHEN i % 7 = 0 THEN NULL ELSE zeroblob(i % 5) END, 1700000000000 + i
FROM n;
INSERT INTO items VALUES (100000, NULL, 0.1 + 0.2, NULL, NULL, NULL, NULL);
)sql";

TEST_F(SqliteRowSourceTest, WholeTableStreamHasEveryRowAndValue) {
  open(kItems);
  std::size_t i = table_index("items");
  Chunk whole;
  whole.table_index = i;
  auto streamed = stream(whole);
  ASSERT_TRUE(streamed) << streamed.error().message;
  ASSERT_EQ(streamed->rows.size(), 5001u);
  std::map<std::int64_t, const Row*> by_id;
  for (const Row& row : streamed->rows) {
    ASSERT_EQ(row.size(), 7u);
    by_id[int8_of(row[0])] = &row;
  }
  ASSERT_EQ(by_id.size(), 5001u);
  const Row& first = *by_id.at(3);  // i = 1
  EXPECT_EQ(text_of(first[1]), "name 1 ü");
  EXPECT_EQ(float8_of(first[2]), 1.25);
  EXPECT_EQ(*first[3], std::vector<std::byte>{std::byte{1}});
  EXPECT_EQ(int4_of(first[4]), 1);  // 2000-01-02
  EXPECT_EQ(first[5]->size(), 1u);  // zeroblob(1)
  // created: epoch milliseconds (decided from the sample), 1700000000001 ms.
  EXPECT_EQ(int8_of(first[6]), (1700000000001LL - 946684800000LL) * 1000);
  const Row& seventh = *by_id.at(21);  // i = 7: NULL blob
  EXPECT_FALSE(seventh[5].has_value());
  const Row& last = *by_id.at(100000);
  EXPECT_FALSE(last[1].has_value());
  EXPECT_EQ(float8_of(last[2]), 0.1 + 0.2);  // all 17 digits
  for (std::size_t f = 3; f < 7; ++f) EXPECT_FALSE(last[f].has_value());
  SqliteRowSource source(db_.get(), schema_.sources);
  std::vector<std::byte> unused;
  EXPECT_FALSE(run_task(source.read(unused, 1)));  // read before begin
}

TEST_F(SqliteRowSourceTest, ReadsAboutWantBytesAtATime) {
  open(kItems);
  Chunk whole;
  whole.table_index = table_index("items");
  SqliteRowSource source(db_.get(), schema_.sources);
  auto streamed = stream(whole, 512, OnTypeError::kFail, &source);
  ASSERT_TRUE(streamed) << streamed.error().message;
  EXPECT_EQ(streamed->rows.size(), 5001u);
  EXPECT_EQ(source.rows(), 5001u);
  EXPECT_GT(streamed->reads, 300u);
  // One read stops at the first row that reaches `want`: at most want + one row (+ header).
  EXPECT_LT(streamed->largest_read, 512u + 200u);
}

TEST_F(SqliteRowSourceTest, KeyRangeChunksCoverEveryRowOnce) {
  open(kItems);
  std::size_t i = table_index("items");
  ASSERT_EQ(schema_.sources[i].range, SourceTable::Range::kKey);
  std::vector<Chunk> chunks = plan("items", 4);
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_FALSE(chunks.front().lower);
  EXPECT_FALSE(chunks.back().upper);
  std::multiset<std::int64_t> ids;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const Chunk& chunk = chunks[c];
    EXPECT_EQ(chunk.number, static_cast<int>(c));
    EXPECT_FALSE(chunk.first_page);
    if (c > 0) {
      ASSERT_TRUE(chunk.lower);
      EXPECT_EQ(chunk.lower, chunks[c - 1].upper);
      EXPECT_EQ(std::stoll(chunk.lower->front()) % 3, 0) << "bounds are real key values";
    }
    auto streamed = stream(chunk, 4096);
    ASSERT_TRUE(streamed) << streamed.error().message;
    EXPECT_GT(streamed->rows.size(), 500u);
    for (const Row& row : streamed->rows) {
      std::int64_t id = int8_of(row[0]);
      if (chunk.lower) {
        EXPECT_GE(id, std::stoll(chunk.lower->front()));
      }
      if (chunk.upper) {
        EXPECT_LT(id, std::stoll(chunk.upper->front()));
      }
      ids.insert(id);
    }
  }
  EXPECT_EQ(ids.size(), 5001u);
  EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), 5001u);
  EXPECT_EQ(plan("items", 1).size(), 1u);
}

TEST_F(SqliteRowSourceTest, RowidChunksForKeylessTables) {
  open(R"sql(
    CREATE TABLE logs (msg TEXT, at INTEGER);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
    INSERT INTO logs SELECT 'm' || i, i FROM n;
    DELETE FROM logs WHERE at % 10 = 0 OR at BETWEEN 1000 AND 1999;
  )sql");
  std::size_t i = table_index("logs");
  EXPECT_TRUE(schema_.tables[i].keyless());
  std::vector<Chunk> chunks = plan("logs", 5);
  ASSERT_GE(chunks.size(), 3u);
  std::multiset<std::int64_t> seen;
  for (const Chunk& chunk : chunks) {
    EXPECT_FALSE(chunk.lower);
    EXPECT_FALSE(chunk.upper);
    auto streamed = stream(chunk);
    ASSERT_TRUE(streamed) << streamed.error().message;
    for (const Row& row : streamed->rows) seen.insert(int8_of(row[1]));
  }
  EXPECT_EQ(seen.size(), 1800u);
  EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()).size(), 1800u);
  // Bounds are real rowids (the deleted range 1000..1999 never is one).
  for (const Chunk& chunk : chunks) {
    if (chunk.first_page) {
      EXPECT_TRUE(*chunk.first_page < 1000 || *chunk.first_page >= 2000);
      EXPECT_NE(*chunk.first_page % 10, 0);
    }
  }
  Chunk by_key;
  by_key.table_index = i;
  by_key.lower = KeyValue{"5"};
  auto refused = stream(by_key);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("chunked by rowid"), std::string::npos);
}

// With clustering on, a keyless table with an index arrives in that index's order (text by bytes,
// then the integer, NULLs last), batch by batch, and with the same rows as read without it.
TEST_F(SqliteRowSourceTest, KeylessTableWithAnIndexArrivesInItsOrder) {
  open(R"sql(
    CREATE TABLE events (kind TEXT, payload TEXT, at INTEGER);
    CREATE INDEX events_kind_at ON events (kind, at);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
    INSERT INTO events
    SELECT CASE WHEN i % 97 = 0 THEN NULL
                ELSE 'kind-with-a-long-shared-prefix-' || (i * 7919 % 13) END,
           'payload ' || i, (i * 104729) % 5003 - 2500 FROM n;
  )sql");
  std::size_t i = table_index("events");
  ASSERT_TRUE(schema_.tables[i].keyless());
  Chunk whole;
  whole.table_index = i;
  auto as_read = stream(whole);
  ASSERT_TRUE(as_read) << as_read.error().message;

  for (std::size_t batch_bytes : {std::size_t{64} << 20, std::size_t{64} << 10}) {
    auto memory = std::make_shared<ClusterMemory>(batch_bytes);
    SqliteRowSource clustered(db_.get(), schema_.sources);
    // A whole-table chunk takes the whole budget, not the (smaller) share.
    clustered.cluster_with(memory, batch_bytes / 4);
    auto sorted = stream(whole, 16 << 10, OnTypeError::kFail, &clustered);
    EXPECT_EQ(memory->taken(), batch_bytes) << "the batch keeps its grant for the next chunk";
    ASSERT_TRUE(sorted) << sorted.error().message;
    ASSERT_EQ(sorted->rows.size(), as_read->rows.size());
    auto key_of = [](const Row& row) {
      return std::make_tuple(!row[0].has_value(), row[0] ? text_of(row[0]) : std::string(),
                             int8_of(row[2]));
    };
    // One run in order per batch: a single batch is one run, small batches several.
    std::size_t runs = 1;
    for (std::size_t r = 1; r < sorted->rows.size(); ++r) {
      if (key_of(sorted->rows[r]) < key_of(sorted->rows[r - 1])) ++runs;
    }
    if (batch_bytes == (std::size_t{64} << 20)) {
      EXPECT_EQ(runs, 1u);
    } else {
      EXPECT_GT(runs, 1u);
      EXPECT_LT(runs, 20u);
    }
    EXPECT_EQ(std::multiset<Row>(sorted->rows.begin(), sorted->rows.end()),
              std::multiset<Row>(as_read->rows.begin(), as_read->rows.end()));
  }
}

// The readers' batches share one budget: a chunk that is part of a table takes a reader's share,
// a reader that finds the budget spent still gets the floor, and the grant goes back when the
// reader moves on to a table it does not cluster, or goes away.
TEST_F(SqliteRowSourceTest, ClusteredBatchesShareOneBudget) {
  open_indexed_and_plain(3000);
  const std::size_t total = kMinClusterBatchBytes * 3;
  auto memory = std::make_shared<ClusterMemory>(total);
  Chunk first_half;
  first_half.table_index = table_index("events");
  first_half.end_page = 1500;  // a rowid range
  Chunk whole;
  whole.table_index = table_index("events");
  Chunk plain;
  plain.table_index = table_index("plain");
  {
    SqliteRowSource a(db_.get(), schema_.sources), b(db_.get(), schema_.sources);
    a.cluster_with(memory, 2 * kMinClusterBatchBytes);
    b.cluster_with(memory, 2 * kMinClusterBatchBytes);
    ASSERT_TRUE(stream(first_half, 16 << 10, OnTypeError::kFail, &a));
    EXPECT_EQ(memory->taken(), 2 * kMinClusterBatchBytes);
    auto sorted = stream(whole, 16 << 10, OnTypeError::kFail, &b);
    ASSERT_TRUE(sorted) << sorted.error().message;
    EXPECT_EQ(sorted->rows.size(), 3000u);
    EXPECT_EQ(memory->taken(), total) << "b got what was left of its want, the whole budget";
    ASSERT_TRUE(stream(plain, 16 << 10, OnTypeError::kFail, &a));
    EXPECT_EQ(memory->taken(), kMinClusterBatchBytes) << "a gave its share back";
    ASSERT_TRUE(stream(first_half, 16 << 10, OnTypeError::kFail, &a));
    EXPECT_EQ(memory->taken(), 3 * kMinClusterBatchBytes);
  }
  EXPECT_EQ(memory->taken(), 0u) << "grants go back with their readers";
}

// With clustering on, a keyless table with an index whose batch fits the budget is one chunk
// however small the chunk size, so that it reaches the target as one run; without clustering,
// when it does not fit, or when it is more than a worker's share of the run, it is cut as any
// other table.
TEST_F(SqliteRowSourceTest, ClusteredTableThatFitsTheBudgetIsOneChunk) {
  open_indexed_and_plain(20000);
  plan::PlannerOptions planner;
  planner.chunk_bytes = 64 << 10;
  auto chunks_of = [&](std::size_t cluster_bytes, const std::string& table) {
    SourceOptions options;
    options.cluster_memory_bytes = cluster_bytes;
    options.readers = 2;
    auto source = read_source(file_.path(), options);
    EXPECT_TRUE(source) << source.error().message;
    if (!source) return 0;
    auto chunks = plan::plan_sqlite_source_chunks(**source, planner);
    EXPECT_TRUE(chunks) << chunks.error().message;
    if (!chunks) return 0;
    return static_cast<int>(std::count_if(chunks->begin(), chunks->end(), [&](const Chunk& c) {
      return (*source)->schema.tables[c.table_index].name == table;
    }));
  };
  EXPECT_EQ(chunks_of(kClusterMemoryBytes, "events"), 1);
  EXPECT_GT(chunks_of(kClusterMemoryBytes, "plain"), 1) << "no index: nothing to cluster on";
  EXPECT_GT(chunks_of(0, "events"), 1) << "clustering off (verify, plan)";
  EXPECT_GT(chunks_of(256 << 10, "events"), 1) << "too large for the budget";
  planner.workers = 4;
  EXPECT_GT(chunks_of(kClusterMemoryBytes, "events"), 1)
      << "half the run's work: more than one of 4 workers' share";
}

TEST_F(SqliteRowSourceTest, NullKeysLandInTheFirstChunk) {
  open(R"sql(
    CREATE TABLE loose (k INT PRIMARY KEY, v TEXT);
    INSERT INTO loose VALUES (NULL, 'null key'), (NULL, 'another');
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
    INSERT INTO loose SELECT i, 'v' || i FROM n;
  )sql");
  std::size_t i = table_index("loose");
  EXPECT_EQ(schema_.sources[i].range, SourceTable::Range::kKey);
  EXPECT_EQ(schema_.tables[i].columns[0].type_sql, "integer");
  std::vector<Chunk> chunks = plan("loose", 3);
  ASSERT_EQ(chunks.size(), 3u);
  std::size_t total = 0, nulls = 0;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    auto streamed = stream(chunks[c]);
    ASSERT_TRUE(streamed) << streamed.error().message;
    total += streamed->rows.size();
    for (const Row& row : streamed->rows) {
      if (!row[0]) {
        ++nulls;
        EXPECT_EQ(c, 0u);
      }
    }
  }
  EXPECT_EQ(total, 102u);
  EXPECT_EQ(nulls, 2u);
  auto query = chunk_query(schema_.tables[i], schema_.sources[i], chunks[0]);
  ASSERT_TRUE(query);
  EXPECT_NE(query->sql.find("WHERE (\"k\" < ?2 OR \"k\" IS NULL)"), std::string::npos);
}

TEST_F(SqliteRowSourceTest, WithoutRowidTextKeyIsReadWhole) {
  open(R"sql(
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
    INSERT INTO settings VALUES ('b', '2'), ('a', '1'), ('c', NULL);
    CREATE TABLE counters (id INT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
    INSERT INTO counters SELECT i * 2, i FROM n;
  )sql");
  std::vector<Chunk> chunks = plan("settings", 4);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_TRUE(chunks[0].whole_table());
  auto streamed = stream(chunks[0]);
  ASSERT_TRUE(streamed) << streamed.error().message;
  EXPECT_EQ(streamed->rows.size(), 3u);

  std::vector<Chunk> counters = plan("counters", 4);
  ASSERT_EQ(counters.size(), 4u);
  std::size_t total = 0;
  for (const Chunk& chunk : counters) {
    auto part = stream(chunk);
    ASSERT_TRUE(part) << part.error().message;
    total += part->rows.size();
  }
  EXPECT_EQ(total, 200u);
}

TEST_F(SqliteRowSourceTest, TypeErrorsNameTableKeyAndColumn) {
  open(R"sql(
    CREATE TABLE bad (id INTEGER PRIMARY KEY, n INT NOT NULL, m INT);
    INSERT INTO bad VALUES (1, 5, 1), (2, 6, 'abc'), (3, 7, 'def');
  )sql");
  Chunk whole;
  whole.table_index = table_index("bad");
  auto failed = stream(whole);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, ErrorKind::kRefused)
      << "bad input: exit 2 where nothing was written";
  EXPECT_EQ(failed.error().message, "table bad key id=2 column m: value 'abc' is not an integer");

  SqliteRowSource source(db_.get(), schema_.sources, OnTypeError::kNull);
  auto nulled = stream(whole, 1 << 16, OnTypeError::kNull, &source);
  ASSERT_TRUE(nulled) << nulled.error().message;
  ASSERT_EQ(nulled->rows.size(), 3u);
  EXPECT_EQ(int4_of(nulled->rows[0][2]), 1);
  EXPECT_FALSE(nulled->rows[1][2].has_value());
  EXPECT_FALSE(nulled->rows[2][2].has_value());
  ASSERT_EQ(source.substitutions().size(), 3u);
  EXPECT_EQ(source.substitutions()[2].column, "m");
  EXPECT_EQ(source.substitutions()[2].count, 2u);
  EXPECT_EQ(source.substitutions()[2].first, "key id=2: value 'abc' is not an integer");
  EXPECT_EQ(source.substitutions()[1].count, 0u);

  auto scan = scan_table_values(db_.get(), schema_.tables[whole.table_index],
                                schema_.sources[whole.table_index]);
  ASSERT_TRUE(scan) << scan.error().message;
  EXPECT_EQ(scan->rows, 3u);
  const auto& fits = scan->columns;
  ASSERT_EQ(fits.size(), 3u);
  EXPECT_EQ(fits[2].refused, 2u);
  EXPECT_EQ(fits[2].first, "key id=2: value 'abc' is not an integer");
  EXPECT_EQ(fits[2].refused_as_text, 0u);
  EXPECT_EQ(fits[1].refused, 0u);
  retype_to_text(schema_, whole.table_index, 2);
  EXPECT_EQ(schema_.sources[whole.table_index].columns[2].retyped_from, "integer");
  auto as_text = stream(whole);
  ASSERT_TRUE(as_text) << as_text.error().message;
  EXPECT_EQ(text_of(as_text->rows[0][2]), "1");
  EXPECT_EQ(text_of(as_text->rows[1][2]), "abc");
}

TEST_F(SqliteRowSourceTest, TextPolicyRetypesColumnsWithRefusedValuesBeforeTheDdl) {
  file_.exec(R"sql(
    CREATE TABLE bad (id INT PRIMARY KEY, n INT NOT NULL, m INT, happened DATETIME);
    INSERT INTO bad VALUES (1, 5, 1, 1700000000), (2, 6, 'abc', 1700000000000), (3, 7, 2.5, NULL);
    CREATE TABLE fine (id INTEGER PRIMARY KEY, t TEXT);
    INSERT INTO fine VALUES (1, 'x');
  )sql");
  SourceOptions options;
  options.on_type_error = "text";
  // The mixed epoch units stop migrate; plan (assess) records them in the column instead.
  auto mixed = read_source(file_.path(), options);
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.error().message.find("happened"), std::string::npos) << mixed.error().message;
  options.assess = true;
  auto assessed = read_source(file_.path(), options);
  ASSERT_TRUE(assessed) << assessed.error().message;
  const SqliteSource& source = **assessed;
  ASSERT_EQ(source.scans.size(), 2u);
  EXPECT_EQ(source.scans[0].rows, 3u);
  EXPECT_EQ(source.scans[0].columns[2].refused, 2u);
  EXPECT_NE(source.schema.sources[0].columns[3].epoch_conflict.find("mix seconds"),
            std::string::npos);
  const SourceColumn& m = source.schema.sources[0].columns[2];
  EXPECT_EQ(m.target.type.kind, TargetKind::kText);
  EXPECT_EQ(m.retyped_from, "integer");
  EXPECT_EQ(source.schema.tables[0].columns[2].type_sql, "text");
  EXPECT_EQ(source.schema.sources[0].columns[1].target.type.kind, TargetKind::kInt4);
  ASSERT_EQ(source.policy_notes.size(), 1u);
  EXPECT_EQ(source.policy_notes[0],
            "table bad column m: 2 values did not fit integer (first: key id=2: value 'abc' is "
            "not an integer); the column became text, every value in its text form "
            "(--on-type-error=text)");
  // The DDL is built after the retyping, once: the column is text there too.
  ASSERT_FALSE(source.schema.create_tables.empty());
  EXPECT_NE(source.schema.create_tables[0].sql.find("\"m\" text"), std::string::npos)
      << source.schema.create_tables[0].sql;
  Chunk whole;
  whole.table_index = 0;
  auto db = open_read_only(file_.path());
  ASSERT_TRUE(db);
  db_ = std::move(*db);
  schema_ = source.schema;
  auto streamed = stream(whole);
  ASSERT_TRUE(streamed) << streamed.error().message;
  EXPECT_EQ(text_of(streamed->rows[1][2]), "abc");
  EXPECT_EQ(text_of(streamed->rows[2][2]), "2.5");

  // Without the text policy nothing is retyped, and migrate's read scans nothing.
  options.on_type_error = "fail";
  auto plain = read_source(file_.path(), options);
  ASSERT_TRUE(plain);
  EXPECT_EQ((*plain)->schema.sources[0].columns[2].target.type.kind, TargetKind::kInt4);
  EXPECT_TRUE((*plain)->policy_notes.empty());
  options.assess = false;
  file_.exec("UPDATE bad SET happened = NULL");
  auto unscanned = read_source(file_.path(), options);
  ASSERT_TRUE(unscanned) << unscanned.error().message;
  EXPECT_TRUE((*unscanned)->scans.empty());

  // A value that text cannot hold either (invalid UTF-8) refuses the text policy up front.
  file_.exec("UPDATE bad SET m = CAST(x'ff' AS TEXT) WHERE id = 3");
  options.on_type_error = "text";
  auto untextable = read_source(file_.path(), options);
  ASSERT_FALSE(untextable);
  EXPECT_EQ(untextable.error().kind, ErrorKind::kRefused);
  EXPECT_NE(untextable.error().message.find("fit neither integer nor text (first: key id=3"),
            std::string::npos)
      << untextable.error().message;
}

TEST_F(SqliteRowSourceTest, GeneratedColumnsAreLeftToTheTarget) {
  open(R"sql(
    CREATE TABLE g (id INTEGER PRIMARY KEY, a INTEGER, twice INTEGER AS (a * 2) STORED, b TEXT);
    INSERT INTO g (id, a, b) VALUES (1, 21, 'x');
  )sql");
  std::size_t i = table_index("g");
  ASSERT_TRUE(schema_.tables[i].columns[2].generated);
  auto query = chunk_query(schema_.tables[i], schema_.sources[i], Chunk{});
  ASSERT_TRUE(query) << query.error().message;
  EXPECT_EQ(query->sql, "SELECT \"id\", \"a\", \"b\", \"id\" FROM \"g\"");
  Chunk whole;
  whole.table_index = i;
  auto streamed = stream(whole);
  ASSERT_TRUE(streamed) << streamed.error().message;
  ASSERT_EQ(streamed->rows.size(), 1u);
  ASSERT_EQ(streamed->rows[0].size(), 3u);
  EXPECT_EQ(text_of(streamed->rows[0][2]), "x");
}

TEST_F(SqliteRowSourceTest, ChunkQueries) {
  open(kItems);
  std::size_t i = table_index("items");
  Chunk first;
  first.table_index = i;
  first.upper = KeyValue{"300"};
  auto query = chunk_query(schema_.tables[i], schema_.sources[i], first);
  ASSERT_TRUE(query) << query.error().message;
  EXPECT_EQ(query->sql,
            "SELECT \"id\", \"name\", \"price\", \"flag\", \"born\", \"data\", \"created\", \"id\" "
            "FROM \"items\" WHERE \"id\" < ?2");
  EXPECT_EQ(query->upper, 300);
  Chunk middle = first;
  middle.lower = KeyValue{"30"};
  query = chunk_query(schema_.tables[i], schema_.sources[i], middle);
  ASSERT_TRUE(query);
  EXPECT_NE(query->sql.find("WHERE \"id\" >= ?1 AND \"id\" < ?2"), std::string::npos);
  Chunk bad = first;
  bad.upper = KeyValue{"abc"};
  EXPECT_FALSE(chunk_query(schema_.tables[i], schema_.sources[i], bad));
  Chunk wrong_table;
  wrong_table.table_index = i + 100;
  SqliteRowSource source(db_.get(), schema_.sources);
  auto refused = run_task(source.begin(schema_.tables[i], wrong_table));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "no SQLite source table for items");
}

TEST_F(SqliteRowSourceTest, SessionReadsOneStateOfTheFile) {
  open(kItems);
  auto session = SqliteReadSession::open(file_.path(), schema_.sources);
  ASSERT_TRUE(session) << session.error().message;
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(file_.path().c_str(), &writer), SQLITE_OK);
  // Rollback journal: no writer commits while the session's read transaction is open.
  EXPECT_EQ(sqlite3_exec(writer, "DELETE FROM items", nullptr, nullptr, nullptr), SQLITE_BUSY);
  Chunk whole;
  whole.table_index = table_index("items");
  auto streamed = stream(whole, 1 << 16, OnTypeError::kFail, &(*session)->sqlite_rows());
  ASSERT_TRUE(streamed) << streamed.error().message;
  EXPECT_EQ(streamed->rows.size(), 5001u);
  EXPECT_EQ(&(*session)->rows(), static_cast<RowSource*>(&(*session)->sqlite_rows()));
  session->reset();
  EXPECT_EQ(sqlite3_exec(writer, "DELETE FROM items", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(writer);
  EXPECT_FALSE(SqliteReadSession::open(file_.path() + ".missing", schema_.sources));
}

}  // namespace
}  // namespace pgshift::sqlite
