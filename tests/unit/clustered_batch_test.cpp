// ClusteredBatch and cluster_key without SQLite: tuples built by hand come out in key order for
// every field order (signed integers of each width, text, bytes with NUL, NULLs last), through
// prefixes that are exact and prefixes that tie, and in batches that respect the cap; the index a
// keyless table is clustered on is its first plain one, as far as its columns' types sort.
#include "connectors/sqlite/clustered_batch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace pgshift::sqlite {
namespace {

using Value = std::optional<std::string>;  // raw field bytes, or NULL

std::vector<std::byte> tuple(const std::vector<Value>& fields) {
  std::vector<std::byte> out;
  auto put = [&](std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::byte>(value >> (8 * i)));
  };
  put(fields.size(), 2);
  for (const Value& field : fields) {
    if (!field) {
      put(0xFFFFFFFFu, 4);
      continue;
    }
    put(field->size(), 4);
    for (char c : *field) out.push_back(static_cast<std::byte>(c));
  }
  return out;
}

std::string as_string(const std::vector<std::byte>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::multiset<std::string> as_strings(const std::vector<std::vector<std::byte>>& tuples) {
  std::multiset<std::string> out;
  for (const auto& t : tuples) out.insert(as_string(t));
  return out;
}

std::string big_endian(std::int64_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i)
    out += static_cast<char>(static_cast<std::uint64_t>(value) >> (8 * i));
  return out;
}

// Adds every tuple, then drains in small reads; returns the tuples in the order they came out.
std::vector<std::vector<std::byte>> run(ClusteredBatch& batch,
                                        const std::vector<std::vector<std::byte>>& tuples) {
  std::vector<std::vector<std::byte>> out;
  std::vector<std::byte> stream;
  auto drain_all = [&] {
    batch.sort();
    while (!batch.empty()) batch.drain(stream, 100);
  };
  for (const auto& t : tuples) {
    if (batch.full()) drain_all();
    Result<bool> added = batch.add([&](std::vector<std::byte>& rows) -> Result<bool> {
      rows.insert(rows.end(), t.begin(), t.end());
      return true;
    });
    EXPECT_TRUE(added && *added);
  }
  drain_all();
  // Split the stream back into tuples (the sizes are known).
  std::size_t at = 0;
  for (const auto& t : tuples) {
    (void)t;
    std::size_t fields = (std::to_integer<std::size_t>(stream[at]) << 8) |
                         std::to_integer<std::size_t>(stream[at + 1]);
    std::size_t end = at + 2;
    for (std::size_t f = 0; f < fields; ++f) {
      std::uint32_t length = 0;
      for (int i = 0; i < 4; ++i)
        length = (length << 8) | std::to_integer<std::uint32_t>(stream[end + i]);
      end += 4 + (length == 0xFFFFFFFFu ? 0 : length);
    }
    out.emplace_back(stream.begin() + static_cast<std::ptrdiff_t>(at),
                     stream.begin() + static_cast<std::ptrdiff_t>(end));
    at = end;
  }
  EXPECT_EQ(at, stream.size());
  return out;
}

TEST(ClusteredBatch, SortsByEveryFieldOrderWithNullsLast) {
  std::mt19937 random(11);
  const std::vector<std::string> texts = {"",
                                          "a",
                                          "ab",
                                          "abcdefg",
                                          "abcdefgh",
                                          "abcdefghi",
                                          "abcdefgh-long-tail-1",
                                          "abcdefgh-long-tail-2",
                                          "b",
                                          "ü"};
  const std::vector<std::string> blobs = {
      std::string(),          std::string(1, '\0'),   std::string("a"),      std::string("a\0", 2),
      std::string("a\0b", 3), std::string(8, '\xff'), std::string(9, '\xff')};
  for (FieldOrder second : {FieldOrder::kSignedBigEndian, FieldOrder::kBytes}) {
    for (int width : {2, 4, 8}) {
      std::vector<std::vector<std::byte>> tuples;
      std::vector<std::tuple<bool, std::string, bool, std::string, std::int64_t, int>> expected;
      for (int n = 0; n < 600; ++n) {
        Value text = random() % 10 == 0 ? Value() : Value(texts[random() % texts.size()]);
        Value other;
        std::int64_t number = static_cast<std::int64_t>(random() % 2001) - 1000;
        std::string blob = blobs[random() % blobs.size()];
        if (random() % 10 != 0) {
          other = second == FieldOrder::kSignedBigEndian ? big_endian(number, width) : blob;
        }
        Value payload = std::to_string(n);
        // Field 1 is the payload: the key skips it.
        tuples.push_back(tuple({text, payload, other}));
        std::string other_bytes = other && second == FieldOrder::kBytes ? *other : "";
        std::int64_t other_number = other && second == FieldOrder::kSignedBigEndian ? number : 0;
        expected.emplace_back(!text, text.value_or(""), !other, other_bytes, other_number, n);
      }
      ClusteredBatch batch({{0, FieldOrder::kText}, {2, second}}, std::size_t{1} << 20);
      auto out = run(batch, tuples);
      std::stable_sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
        return std::make_tuple(std::get<0>(a), std::get<1>(a), std::get<2>(a), std::get<3>(a),
                               std::get<4>(a)) < std::make_tuple(std::get<0>(b), std::get<1>(b),
                                                                 std::get<2>(b), std::get<3>(b),
                                                                 std::get<4>(b));
      });
      ASSERT_EQ(out.size(), tuples.size());
      // The n-th output tuple must have the key of the n-th expected entry.
      for (std::size_t r = 0; r < out.size(); ++r) {
        int source_row = std::get<5>(expected[r]);
        auto want = tuples[static_cast<std::size_t>(source_row)];
        // Same key: field 0 and field 2 bytes equal (the payload may differ between ties).
        auto strip_payload = [](std::vector<std::byte> t) {
          std::size_t at = 2;
          std::uint32_t length = 0;
          for (int i = 0; i < 4; ++i)
            length = (length << 8) | std::to_integer<std::uint32_t>(t[at + i]);
          at += 4 + (length == 0xFFFFFFFFu ? 0 : length);
          std::uint32_t payload = 0;
          for (int i = 0; i < 4; ++i)
            payload = (payload << 8) | std::to_integer<std::uint32_t>(t[at + i]);
          t.erase(t.begin() + static_cast<std::ptrdiff_t>(at),
                  t.begin() + static_cast<std::ptrdiff_t>(at + 4 + payload));
          return t;
        };
        ASSERT_EQ(as_string(strip_payload(out[r])), as_string(strip_payload(want)))
            << "row " << r << " width " << width;
      }
      EXPECT_EQ(as_strings(out), as_strings(tuples));
    }
  }
}

TEST(ClusteredBatch, CapSplitsTheRowsIntoSortedRuns) {
  std::vector<std::vector<std::byte>> tuples;
  for (int n = 0; n < 1000; ++n) tuples.push_back(tuple({big_endian((n * 7919) % 1000, 8)}));
  ClusteredBatch batch({{0, FieldOrder::kSignedBigEndian}}, 8 << 10);  // a few hundred rows
  auto out = run(batch, tuples);
  ASSERT_EQ(out.size(), 1000u);
  std::size_t runs = 1;
  for (std::size_t r = 1; r < out.size(); ++r) {
    if (as_string(out[r]) < as_string(out[r - 1])) ++runs;
  }
  EXPECT_GT(runs, 2u);
  EXPECT_LT(runs, 20u);
}

TEST(ClusteredBatch, AFailedEncodeLeavesNothingBehind) {
  ClusteredBatch batch({{0, FieldOrder::kText}}, 1 << 20);
  Result<bool> refused = batch.add([](std::vector<std::byte>& rows) -> Result<bool> {
    (void)rows;
    return fail(ErrorKind::kRuntime, "value 'x' is not an integer");
  });
  EXPECT_FALSE(refused);
  EXPECT_TRUE(batch.empty());
  Result<bool> none = batch.add([](std::vector<std::byte>&) -> Result<bool> { return false; });
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  EXPECT_TRUE(batch.empty());
}

SourceColumn column(const std::string& name, TargetKind kind) {
  SourceColumn out;
  out.name = name;
  out.target.type = make_pg_type(kind);
  return out;
}

TEST(ClusterKey, FirstPlainIndexAsFarAsItsTypesSort) {
  SourceTable table;
  table.columns = {column("kind", TargetKind::kText), column("score", TargetKind::kFloat8),
                   column("at", TargetKind::kInt8), column("id", TargetKind::kUuid)};
  std::vector<std::size_t> copied = {0, 1, 2, 3};
  EXPECT_FALSE(cluster_key(table, copied)) << "no index";

  CatalogIndex partial;
  partial.partial = true;
  partial.columns = {"at"};
  CatalogIndex expression;
  expression.columns = {"", "kind"};
  CatalogIndex plain;
  plain.columns = {"kind", "at", "id"};
  table.indexes = {partial, plain};
  auto key = cluster_key(table, copied);
  ASSERT_TRUE(key);
  ASSERT_EQ(key->size(), 3u);
  EXPECT_EQ((*key)[0].position, 0u);
  EXPECT_EQ((*key)[0].order, FieldOrder::kText);
  EXPECT_EQ((*key)[1].position, 2u);
  EXPECT_EQ((*key)[1].order, FieldOrder::kSignedBigEndian);
  EXPECT_EQ((*key)[2].order, FieldOrder::kBytes);

  table.indexes = {expression, plain};
  EXPECT_FALSE(cluster_key(table, copied)) << "the first plain index is on an expression";

  CatalogIndex float_first;
  float_first.columns = {"score", "kind"};
  table.indexes = {float_first};
  EXPECT_FALSE(cluster_key(table, copied)) << "float8 has no binary order";

  CatalogIndex then_float;
  then_float.columns = {"kind", "score", "at"};
  table.indexes = {then_float};
  key = cluster_key(table, copied);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 1u) << "the key stops at the first column that does not sort";

  // A column that is not copied (generated on the target) ends the key as well.
  std::vector<std::size_t> without_kind = {1, 2, 3};
  table.indexes = {plain};
  EXPECT_FALSE(cluster_key(table, without_kind));
}

}  // namespace
}  // namespace pgshift::sqlite
