// StreamingRowHash: a row fed field by field, large values in pieces of any size, hashes exactly as
// RowHasher hashes the whole tuple (floats and arrays canonicalized the same way); misuse fails.
#include "verify/streaming_row_hash.hpp"

#include <gtest/gtest.h>

#include <random>

#include "tests/unit/wire_bytes.hpp"
#include "verify/row_hasher.hpp"

namespace pgshift::verify {
namespace {

using pg::ValueKind;
using namespace wire;

constexpr std::uint32_t kFloat8Oid = 701;

// Feeds `row` to `hash`; scalar values longer than `whole_up_to` go in pieces of `piece` bytes.
u128 stream_hash(StreamingRowHash& hash, const std::vector<ValueKind>& kinds,
                 const std::vector<Field>& row, std::size_t whole_up_to, std::size_t piece) {
  hash.begin_row(static_cast<int>(row.size()));
  for (std::size_t i = 0; i < row.size(); ++i) {
    const Field& value = row[i];
    if (!value) {
      EXPECT_TRUE(hash.field(std::nullopt));
    } else if (kinds[i] != ValueKind::kScalar || value->size() <= whole_up_to) {
      EXPECT_TRUE(hash.field(std::span<const std::byte>(*value)));
    } else {
      EXPECT_TRUE(hash.begin_field(static_cast<std::uint32_t>(value->size())));
      for (std::size_t at = 0; at < value->size(); at += piece) {
        hash.piece(
            std::span<const std::byte>(*value).subspan(at, std::min(piece, value->size() - at)));
      }
    }
  }
  auto digest = hash.finish();
  EXPECT_TRUE(digest) << (digest ? "" : digest.error().message);
  return digest ? *digest : 0;
}

TEST(StreamingRowHash, EqualsTheWholeTuplesHashForEverySplit) {
  pg::TypeShapes shapes;
  std::vector<ValueKind> kinds = {ValueKind::kScalar, ValueKind::kScalar, ValueKind::kFloat8,
                                  ValueKind::kArray, ValueKind::kScalar};
  std::mt19937 random(7);
  std::string large(5000, 'a');
  for (auto& c : large) c = static_cast<char>('a' + random() % 26);
  std::vector<std::vector<Field>> rows = {
      {int4(1), text(large), float8(-0.0), array_1d(kFloat8Oid, {float8(1.5), float8(-0.0)}),
       text("é")},
      {int4(2), std::nullopt, std::nullopt, std::nullopt, text("")},
      {int4(3), text(""), float8(2.0), array_1d(kFloat8Oid, {}), text(large + large)},
  };
  RowHasher whole(kinds, &shapes);
  StreamingRowHash streaming(kinds, &shapes);
  for (const auto& row : rows) {
    auto expected = whole.hash(copy_tuple(row));
    ASSERT_TRUE(expected);
    for (std::size_t piece : {1, 7, 4096, 100000}) {
      EXPECT_EQ(stream_hash(streaming, kinds, row, 0, piece), *expected) << piece;
      EXPECT_EQ(stream_hash(streaming, kinds, row, 100, piece), *expected) << piece;
    }
  }
}

TEST(StreamingRowHash, PiecesThatDoNotAddUpFail) {
  pg::TypeShapes shapes;
  StreamingRowHash hash({ValueKind::kScalar, ValueKind::kScalar}, &shapes);
  Bytes value = text("abcdef");
  hash.begin_row(2);
  ASSERT_TRUE(hash.field(std::span<const std::byte>(value)));
  ASSERT_TRUE(hash.begin_field(10));
  hash.piece(std::span<const std::byte>(value));  // 6 of 10
  EXPECT_FALSE(hash.finish());
  hash.begin_row(2);
  ASSERT_TRUE(hash.field(std::nullopt));
  ASSERT_TRUE(hash.begin_field(3));
  hash.piece(std::span<const std::byte>(value));  // 6 of 3
  EXPECT_FALSE(hash.finish());
  hash.begin_row(2);
  ASSERT_TRUE(hash.field(std::nullopt));
  EXPECT_FALSE(hash.finish());  // a field missing
}

TEST(StreamingRowHash, OnlyScalarValuesComeInPieces) {
  pg::TypeShapes shapes;
  StreamingRowHash hash({ValueKind::kArray}, &shapes);
  hash.begin_row(1);
  EXPECT_FALSE(hash.begin_field(8));
}

}  // namespace
}  // namespace pgshift::verify
