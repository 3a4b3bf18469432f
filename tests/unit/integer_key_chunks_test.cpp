// Read-back by integer key (verify/integer_key_chunks.hpp): pgshift puts each row in the chunk the
// server's CASE would have named, for int2, int4 and int8 keys in any field, NULL keys go to the
// last chunk, and keys the client cannot compare as the server does are left to the server.
#include "verify/integer_key_chunks.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "tests/unit/wire_bytes.hpp"

namespace pgshift::verify {
namespace {

using wire::Bytes;
using wire::copy_tuple;
using wire::int4;
using wire::text;

Bytes big_endian(std::uint64_t value, std::size_t width) {
  Bytes out(width);
  for (std::size_t i = 0; i < width; ++i) out[width - 1 - i] = std::byte(value >> (8 * i));
  return out;
}

Table keyed_by(std::uint32_t type_oid, std::size_t key_column = 1) {
  Table table;
  table.name = "t";
  for (int i = 0; i < 3; ++i) {
    Column column;
    column.name = "c" + std::to_string(i);
    column.type_oid = i == static_cast<int>(key_column) ? type_oid : 25;
    table.columns.push_back(column);
  }
  table.key = {key_column};
  return table;
}

// Chunks numbered 10, 11, 12, ... with lower bounds `lowers` after the first.
struct Chunks {
  std::vector<Chunk> owned;
  std::vector<const Chunk*> pointers;
  explicit Chunks(const std::vector<std::string>& lowers) {
    owned.resize(lowers.size() + 1);
    for (std::size_t i = 0; i < owned.size(); ++i) {
      owned[i].number = static_cast<int>(10 + i);
      if (i > 0) owned[i].lower = KeyValue{lowers[i - 1]};
      if (i + 1 < owned.size()) owned[i].upper = KeyValue{lowers[i]};
    }
    for (const auto& chunk : owned) pointers.push_back(&chunk);
  }
};

int chunk_of(const IntegerKeyChunks& chunks, const Bytes& tuple) {
  auto chunk = chunks.chunk_of(std::span<const std::byte>(tuple));
  EXPECT_TRUE(chunk) << chunk.error().message;
  return chunk ? *chunk : -1;
}

TEST(IntegerKeyChunks, PutsEachKeyInTheChunkWhoseRangeHoldsIt) {
  Chunks chunks({"-5", "100", "1000"});
  auto by_key = IntegerKeyChunks::of(keyed_by(23), chunks.pointers);
  ASSERT_TRUE(by_key);
  auto row = [](std::int32_t key) { return copy_tuple({text("a"), int4(key), text("b")}); };
  EXPECT_EQ(chunk_of(*by_key, row(std::numeric_limits<std::int32_t>::min())), 10);
  EXPECT_EQ(chunk_of(*by_key, row(-6)), 10);
  EXPECT_EQ(chunk_of(*by_key, row(-5)), 11);  // a lower bound is inclusive
  EXPECT_EQ(chunk_of(*by_key, row(99)), 11);
  EXPECT_EQ(chunk_of(*by_key, row(100)), 12);
  EXPECT_EQ(chunk_of(*by_key, row(999)), 12);
  EXPECT_EQ(chunk_of(*by_key, row(1000)), 13);
  EXPECT_EQ(chunk_of(*by_key, row(std::numeric_limits<std::int32_t>::max())), 13);
}

TEST(IntegerKeyChunks, ReadsTwoAndEightByteKeysWithTheirSign) {
  Chunks chunks({"-1", "40000000000"});
  auto int8_key = IntegerKeyChunks::of(keyed_by(20, 0), chunks.pointers);
  ASSERT_TRUE(int8_key);
  auto row8 = [](std::int64_t key) {
    return copy_tuple({big_endian(static_cast<std::uint64_t>(key), 8), text("x"), text("y")});
  };
  EXPECT_EQ(chunk_of(*int8_key, row8(-2)), 10);
  EXPECT_EQ(chunk_of(*int8_key, row8(-1)), 11);
  EXPECT_EQ(chunk_of(*int8_key, row8(39999999999)), 11);
  EXPECT_EQ(chunk_of(*int8_key, row8(40000000000)), 12);

  Chunks small({"-300", "0"});
  auto int2_key = IntegerKeyChunks::of(keyed_by(21, 2), small.pointers);
  ASSERT_TRUE(int2_key);
  auto row2 = [](std::int16_t key) {
    return copy_tuple({text("x"), wire::Field{}, big_endian(static_cast<std::uint16_t>(key), 2)});
  };
  EXPECT_EQ(chunk_of(*int2_key, row2(-301)), 10);
  EXPECT_EQ(chunk_of(*int2_key, row2(-300)), 11);
  EXPECT_EQ(chunk_of(*int2_key, row2(-1)), 11);
  EXPECT_EQ(chunk_of(*int2_key, row2(0)), 12);
  EXPECT_EQ(chunk_of(*int2_key, row2(32767)), 12);
}

TEST(IntegerKeyChunks, ANullKeyGoesToTheLastChunkAndABadTupleIsAnError) {
  Chunks chunks({"100"});
  auto by_key = IntegerKeyChunks::of(keyed_by(23), chunks.pointers);
  ASSERT_TRUE(by_key);
  EXPECT_EQ(chunk_of(*by_key, copy_tuple({text("a"), wire::Field{}, text("b")})), 11);
  Bytes text_key = copy_tuple({text("a"), text("12345678"), text("b")});
  EXPECT_FALSE(by_key->chunk_of(std::span<const std::byte>(text_key)));
  Bytes one_field = copy_tuple({text("a")});
  EXPECT_FALSE(by_key->chunk_of(std::span<const std::byte>(one_field)));
  Bytes cut = copy_tuple({text("a"), int4(5), text("b")});
  cut.resize(9);
  EXPECT_FALSE(by_key->chunk_of(std::span<const std::byte>(cut)));
}

TEST(IntegerKeyChunks, LeavesOtherKeysToTheServer) {
  Chunks chunks({"100"});
  EXPECT_FALSE(IntegerKeyChunks::of(keyed_by(25), chunks.pointers));     // text
  EXPECT_FALSE(IntegerKeyChunks::of(keyed_by(1700), chunks.pointers));   // numeric
  EXPECT_FALSE(IntegerKeyChunks::of(keyed_by(16384), chunks.pointers));  // a domain
  Table two = keyed_by(23);
  two.columns[2].type_oid = 23;
  two.key = {1, 2};
  EXPECT_FALSE(IntegerKeyChunks::of(two, chunks.pointers));
  Table generated = keyed_by(23);
  generated.columns[1].generated = true;
  EXPECT_FALSE(IntegerKeyChunks::of(generated, chunks.pointers));
  Chunks not_a_number({"1e3"});
  EXPECT_FALSE(IntegerKeyChunks::of(keyed_by(23), not_a_number.pointers));
  Chunks out_of_order({"100", "50"});
  EXPECT_FALSE(IntegerKeyChunks::of(keyed_by(23), out_of_order.pointers));
}

TEST(IntegerKeyChunks, AGeneratedColumnBeforeTheKeyIsNotInTheTuple) {
  Table table = keyed_by(23, 2);
  table.columns[1].generated = true;  // copied fields: c0, c2
  Chunks chunks({"100"});
  auto by_key = IntegerKeyChunks::of(table, chunks.pointers);
  ASSERT_TRUE(by_key);
  EXPECT_EQ(chunk_of(*by_key, copy_tuple({text("a"), int4(150)})), 11);
  EXPECT_EQ(chunk_of(*by_key, copy_tuple({text("a"), int4(50)})), 10);
}

}  // namespace
}  // namespace pgshift::verify
