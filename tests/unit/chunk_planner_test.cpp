// The chunk planner: how many chunks a table becomes, key-range bounds taken from the sample (real
// values, strictly increasing, shared between neighbours so the ranges tile the key space), page
// ranges with an open end, and the largest-first order.
#include "engine/plan/chunk_planner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

namespace pgshift::plan {
namespace {

constexpr std::int64_t kMiB = 1 << 20;

PlannerOptions options(int workers = 2) {
  PlannerOptions out;
  out.chunk_bytes = 64 * kMiB;
  out.split_threshold = 16 * kMiB;
  out.workers = workers;
  out.max_chunks_per_table = 4096;
  return out;
}

TEST(DesiredChunks, SmallTablesAreOneChunk) {
  EXPECT_EQ(desired_chunks(0, options()), 1);
  EXPECT_EQ(desired_chunks(1, options()), 1);
  EXPECT_EQ(desired_chunks(8 * kMiB, options(8)), 1);
  EXPECT_EQ(desired_chunks(16 * kMiB, options(8)), 1) << "at the threshold, not above it";
}

TEST(DesiredChunks, BigTablesBySize) {
  EXPECT_EQ(desired_chunks(64 * kMiB + 1, options(1)), 2) << "rounds up";
  EXPECT_EQ(desired_chunks(128 * kMiB + 1, options(1)), 3);
  EXPECT_EQ(desired_chunks(640 * kMiB, options(2)), 10);
  EXPECT_EQ(desired_chunks(641 * kMiB, options(2)), 11);
}

TEST(DesiredChunks, SplittingThresholdGivesEveryWorkerAChunk) {
  EXPECT_EQ(desired_chunks(16 * kMiB + 1, options(8)), 8);
  EXPECT_EQ(desired_chunks(63 * kMiB, options(4)), 4);
  EXPECT_EQ(desired_chunks(640 * kMiB, options(4)), 10) << "size wins when it asks for more";
  EXPECT_EQ(desired_chunks(640 * kMiB, options(16)), 16);
}

TEST(DesiredChunks, ATableAboveTheThresholdIsSplitEvenForOneWorker) {
  // Another process joining the run takes the second half instead of waiting for the first.
  EXPECT_EQ(desired_chunks(16 * kMiB + 1, options(1)), 2);
  EXPECT_EQ(desired_chunks(64 * kMiB, options(1)), 2);
  EXPECT_EQ(desired_chunks(16 * kMiB, options(1)), 1) << "at the threshold, not above it";
}

TEST(DesiredChunks, ClampedToTheMaximum) {
  auto opts = options(2);
  opts.max_chunks_per_table = 100;
  EXPECT_EQ(desired_chunks(1LL << 40, opts), 100);
  EXPECT_EQ(desired_chunks(1LL << 40, options()), 4096);
  EXPECT_EQ(desired_chunks(32 * kMiB, options(10000)), 4096);
}

TEST(SampleSize, NoneForOneChunkAndEnoughForMany) {
  EXPECT_EQ(sample_size_for(1), 0);
  EXPECT_EQ(sample_size_for(0), 0);
  EXPECT_GE(sample_size_for(2), 2 * 64);
  EXPECT_EQ(sample_size_for(2), 1000);
  EXPECT_EQ(sample_size_for(100), 6400);
  for (int chunks : {2, 10, 1000, 4096}) EXPECT_GE(sample_size_for(chunks), chunks);
}

Table keyed_table(std::int64_t bytes = 1000 * kMiB) {
  Table table;
  table.schema = "public";
  table.name = "t";
  table.bytes = bytes;
  table.columns = {{"id", 25, "text", pg::ValueKind::kScalar, false, true}};
  table.key = {0};
  return table;
}

KeyValue key(int n) {
  char text[16];
  std::snprintf(text, sizeof text, "k%05d", n);
  return {text};
}

std::vector<KeyValue> sorted_sample(int count, int step = 1) {
  std::vector<KeyValue> out;
  for (int i = 0; i < count; ++i) out.push_back(key(i * step));
  return out;
}

// Exactly one chunk contains `value` (lower inclusive, upper exclusive, missing = unbounded).
int chunks_containing(const std::vector<Chunk>& chunks, const KeyValue& value) {
  int count = 0;
  for (const auto& chunk : chunks) {
    bool above_lower = !chunk.lower || *chunk.lower <= value;
    bool below_upper = !chunk.upper || value < *chunk.upper;
    count += above_lower && below_upper;
  }
  return count;
}

void expect_tiling(const std::vector<Chunk>& chunks, std::size_t table_index) {
  ASSERT_FALSE(chunks.empty());
  EXPECT_FALSE(chunks.front().lower) << "first chunk starts at the beginning";
  EXPECT_FALSE(chunks.back().upper) << "last chunk runs to the end";
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].number, static_cast<int>(i));
    EXPECT_EQ(chunks[i].table_index, table_index);
    EXPECT_FALSE(chunks[i].first_page || chunks[i].end_page);
    if (i + 1 < chunks.size()) {
      ASSERT_TRUE(chunks[i].upper && chunks[i + 1].lower) << "chunk " << i;
      EXPECT_EQ(*chunks[i].upper, *chunks[i + 1].lower) << "chunk " << i;
    }
    if (chunks[i].lower && chunks[i].upper) {
      EXPECT_LT(*chunks[i].lower, *chunks[i].upper) << "chunk " << i << " is empty or reversed";
    }
  }
}

TEST(PlanKeyedChunks, BoundsAreSampledValuesThatTileTheKeySpace) {
  auto sample = sorted_sample(1000, 3);
  auto chunks = plan_keyed_chunks(7, keyed_table(), sample, 4);
  ASSERT_EQ(chunks.size(), 4u);
  expect_tiling(chunks, 7);
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    EXPECT_TRUE(std::binary_search(sample.begin(), sample.end(), *chunks[i].lower))
        << (*chunks[i].lower)[0] << " is not a sampled key";
  }
  EXPECT_EQ(*chunks[1].lower, key(250 * 3));
  EXPECT_EQ(*chunks[2].lower, key(500 * 3));
  EXPECT_EQ(*chunks[3].lower, key(750 * 3));
  // Every key, sampled or not, and keys outside the sample, is in exactly one chunk.
  for (int n = -1; n <= 3000; ++n) {
    KeyValue value = n < 0 ? KeyValue{"a"} : key(n);
    ASSERT_EQ(chunks_containing(chunks, value), 1) << value[0];
  }
  EXPECT_EQ(chunks_containing(chunks, {"zzz"}), 1);
}

TEST(PlanKeyedChunks, RepeatedSampleValuesGiveStrictlyIncreasingDistinctBounds) {
  std::vector<KeyValue> sample;
  for (int i = 0; i < 500; ++i) sample.push_back({"a"});
  for (int i = 0; i < 300; ++i) sample.push_back({"b"});
  for (int i = 0; i < 10; ++i) sample.push_back({"c"});
  auto chunks = plan_keyed_chunks(0, keyed_table(), sample, 16);
  expect_tiling(chunks, 0);
  EXPECT_LE(chunks.size(), 16u);
  std::vector<KeyValue> bounds;
  for (const auto& chunk : chunks) {
    if (chunk.lower) bounds.push_back(*chunk.lower);
  }
  EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
  EXPECT_EQ(std::adjacent_find(bounds.begin(), bounds.end()), bounds.end()) << "duplicate bound";
  EXPECT_EQ(bounds, (std::vector<KeyValue>{{"a"}, {"b"}}));
  for (const char* value : {"", "a", "aa", "b", "c", "d"}) {
    EXPECT_EQ(chunks_containing(chunks, {value}), 1) << value;
  }
}

TEST(PlanKeyedChunks, AllSampleValuesEqualStillCoversEverything) {
  std::vector<KeyValue> sample(100, KeyValue{"same"});
  auto chunks = plan_keyed_chunks(0, keyed_table(), sample, 8);
  expect_tiling(chunks, 0);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(*chunks[0].upper, KeyValue{"same"});
  for (const char* value : {"a", "same", "z"}) EXPECT_EQ(chunks_containing(chunks, {value}), 1);
}

TEST(PlanKeyedChunks, SampleSmallerThanChunks) {
  auto sample = sorted_sample(3);
  auto chunks = plan_keyed_chunks(0, keyed_table(), sample, 10);
  expect_tiling(chunks, 0);
  EXPECT_LE(chunks.size(), 4u);
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    EXPECT_TRUE(std::binary_search(sample.begin(), sample.end(), *chunks[i].lower));
  }
}

TEST(PlanKeyedChunks, CompositeKeys) {
  Table table = keyed_table();
  table.columns.push_back({"n", 23, "integer"});
  table.key = {0, 1};
  std::vector<KeyValue> sample;
  for (const char* region : {"eu", "us"}) {
    for (int n = 0; n < 50; ++n) sample.push_back({region, std::to_string(100 + n)});
  }
  auto chunks = plan_keyed_chunks(0, table, sample, 4);
  ASSERT_EQ(chunks.size(), 4u);
  expect_tiling(chunks, 0);
  EXPECT_EQ(*chunks[2].lower, (KeyValue{"us", "100"}));
  for (const auto& chunk : chunks) {
    if (chunk.lower) {
      EXPECT_EQ(chunk.lower->size(), 2u);
    }
  }
}

TEST(PlanKeyedChunks, EmptySampleOrOneChunkIsTheWholeTable) {
  for (auto [sample, chunks] :
       {std::pair{std::vector<KeyValue>{}, 8}, std::pair{sorted_sample(100), 1},
        std::pair{sorted_sample(100), 0}}) {
    auto planned = plan_keyed_chunks(3, keyed_table(5000), sample, chunks);
    ASSERT_EQ(planned.size(), 1u);
    EXPECT_TRUE(planned[0].whole_table());
    EXPECT_EQ(planned[0].table_index, 3u);
    EXPECT_EQ(planned[0].number, 0);
    EXPECT_EQ(planned[0].estimated_bytes, 5000);
  }
}

TEST(PlanKeyedChunks, EstimatedBytesShareTheTable) {
  auto chunks = plan_keyed_chunks(0, keyed_table(1000), sorted_sample(100), 4);
  std::int64_t total = 0;
  for (const auto& chunk : chunks) {
    EXPECT_EQ(chunk.estimated_bytes, 250);
    total += chunk.estimated_bytes;
  }
  EXPECT_EQ(total, 1000);
}

Table keyless_table(std::int64_t pages, std::int64_t bytes = 1000) {
  Table table;
  table.name = "heap";
  table.pages = pages;
  table.bytes = bytes;
  return table;
}

TEST(PlanPageChunks, ContiguousRangesWithAnOpenEnd) {
  for (std::int64_t pages : {1000, 1001, 1003}) {
    auto chunks = plan_page_chunks(2, keyless_table(pages), 4);
    ASSERT_EQ(chunks.size(), 4u) << pages;
    EXPECT_FALSE(chunks.front().first_page) << "first range starts at page 0";
    EXPECT_FALSE(chunks.back().end_page) << "relpages is an estimate: the last range is open";
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      EXPECT_EQ(chunks[i].number, static_cast<int>(i));
      EXPECT_EQ(chunks[i].table_index, 2u);
      EXPECT_FALSE(chunks[i].lower || chunks[i].upper);
      EXPECT_FALSE(chunks[i].whole_table());
      if (i + 1 < chunks.size()) {
        ASSERT_TRUE(chunks[i].end_page && chunks[i + 1].first_page);
        EXPECT_EQ(*chunks[i].end_page, *chunks[i + 1].first_page);
        EXPECT_LT(chunks[i].first_page.value_or(0), *chunks[i].end_page);
      }
    }
    EXPECT_EQ(*chunks[1].first_page, pages / 4);
  }
}

TEST(PlanPageChunks, TinyTablesAreOneChunk) {
  for (auto [pages, chunks] : {std::pair<std::int64_t, int>{3, 4}, {0, 4}, {-1, 4}, {1000, 1}}) {
    auto planned = plan_page_chunks(1, keyless_table(pages, 777), chunks);
    ASSERT_EQ(planned.size(), 1u) << pages << "/" << chunks;
    EXPECT_TRUE(planned[0].whole_table());
    EXPECT_EQ(planned[0].estimated_bytes, 777);
    EXPECT_EQ(planned[0].table_index, 1u);
  }
  EXPECT_EQ(plan_page_chunks(0, keyless_table(4), 4).size(), 4u) << "one page each";
}

TEST(OrderMostWorkFirst, BiggestTablesFirstThenChunkNumber) {
  std::vector<Table> tables(4);
  tables[0].bytes = 10;
  tables[1].bytes = 30;
  tables[2].bytes = 20;
  tables[3].bytes = 30;
  std::vector<Chunk> chunks;
  for (std::size_t t : {0, 2, 1, 3, 2, 1, 0, 3, 1}) {
    Chunk chunk;
    chunk.table_index = t;
    chunk.number = static_cast<int>(std::count_if(
        chunks.begin(), chunks.end(), [&](const Chunk& c) { return c.table_index == t; }));
    chunks.push_back(chunk);
  }
  std::reverse(chunks.begin(), chunks.end());
  order_most_work_first(chunks, tables);
  std::vector<std::pair<std::size_t, int>> order;
  for (const auto& chunk : chunks) order.emplace_back(chunk.table_index, chunk.number);
  std::vector<std::pair<std::size_t, int>> expected = {{1, 0}, {1, 1}, {1, 2}, {3, 0}, {3, 1},
                                                       {2, 0}, {2, 1}, {0, 0}, {0, 1}};
  EXPECT_EQ(order, expected);
}

TEST(CopyWork, ManyNarrowRowsOutweighFewWideOnes) {
  Table wide;
  wide.bytes = 110 * kMiB;
  wide.estimated_rows = 55000;
  Table narrow;
  narrow.bytes = 58 * kMiB;
  narrow.estimated_rows = 720000;
  EXPECT_GT(copy_work(narrow), copy_work(wide));
  EXPECT_EQ(copy_work(narrow), 58 * kMiB + 720000 * kRowCostBytes);
  Table unknown;  // reltuples -1: never analyzed
  unknown.bytes = 5;
  unknown.estimated_rows = -1;
  EXPECT_EQ(copy_work(unknown), 5);

  std::vector<Table> tables = {wide, narrow};
  std::vector<Chunk> chunks(2);
  chunks[1].table_index = 1;
  order_most_work_first(chunks, tables);
  EXPECT_EQ(chunks[0].table_index, 1u) << "the narrow table starts first";
}

TEST(StartSmallReferencedTablesFirst, SmallParentsMoveToTheFrontBigOnesKeepTheirPlace) {
  // 0: big child, 1: big parent, 2: small parent, 3: small table nobody references.
  std::vector<Table> tables(4);
  tables[0].bytes = 900 * kMiB;
  tables[1].bytes = 300 * kMiB;
  tables[2].bytes = 4 * kMiB;
  tables[2].estimated_rows = 50000;
  tables[3].bytes = 2 * kMiB;
  std::vector<Chunk> chunks;
  for (std::size_t t : {0, 0, 1, 2, 3}) {
    Chunk chunk;
    chunk.table_index = t;
    chunk.number = t == 0 && !chunks.empty() ? 1 : 0;
    chunks.push_back(chunk);
  }
  order_most_work_first(chunks, tables);
  start_small_referenced_tables_first(chunks, tables, {false, true, true, false}, 64 * kMiB);
  std::vector<std::pair<std::size_t, int>> order;
  for (const auto& chunk : chunks) order.emplace_back(chunk.table_index, chunk.number);
  std::vector<std::pair<std::size_t, int>> expected = {{2, 0}, {0, 0}, {0, 1}, {1, 0}, {3, 0}};
  EXPECT_EQ(order, expected);
}

}  // namespace
}  // namespace pgshift::plan
