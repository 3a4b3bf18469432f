// Read-back by chunk (verify/stream_digest.hpp): a tuple tagged with its chunk number hashes, once
// the number is split off, exactly like the same row without it, and bad tags are errors.
#include "verify/stream_digest.hpp"

#include <gtest/gtest.h>

#include "tests/unit/wire_bytes.hpp"

namespace pgshift::verify {
namespace {

using pg::ValueKind;
using wire::Bytes;
using wire::copy_tuple;
using wire::int4;
using wire::text;

TEST(SplitChunkNumber, GivesTheRowAsIfUntagged) {
  RowHasher hasher({ValueKind::kScalar, ValueKind::kScalar}, nullptr);
  Bytes plain = copy_tuple({int4(42), text("forty-two")});
  Bytes tagged = copy_tuple({int4(7), int4(42), text("forty-two")});
  auto split = split_chunk_number(std::span<std::byte>(tagged));
  ASSERT_TRUE(split) << split.error().message;
  EXPECT_EQ(split->chunk, 7);
  ASSERT_EQ(split->tuple.size(), plain.size());
  EXPECT_TRUE(std::equal(split->tuple.begin(), split->tuple.end(), plain.begin()));
  auto tagged_hash = hasher.hash(split->tuple);
  auto plain_hash = hasher.hash(std::span<const std::byte>(plain));
  ASSERT_TRUE(tagged_hash && plain_hash);
  EXPECT_EQ(*tagged_hash, *plain_hash);
}

TEST(SplitChunkNumber, NegativeAndLargeChunkNumbers) {
  Bytes tagged = copy_tuple({int4(-1), text("x")});
  auto split = split_chunk_number(std::span<std::byte>(tagged));
  ASSERT_TRUE(split);
  EXPECT_EQ(split->chunk, -1);
  Bytes big = copy_tuple({int4(70000), wire::Field{}});
  auto split_big = split_chunk_number(std::span<std::byte>(big));
  ASSERT_TRUE(split_big);
  EXPECT_EQ(split_big->chunk, 70000);
  EXPECT_EQ(split_big->tuple.size(), 2u + 4u);  // one NULL field left
}

TEST(SplitChunkNumber, RefusesATupleWithoutAnInt4Tag) {
  Bytes null_tag = copy_tuple({wire::Field{}, text("x")});
  EXPECT_FALSE(split_chunk_number(std::span<std::byte>(null_tag)));
  Bytes text_tag = copy_tuple({text("seven"), text("x")});
  EXPECT_FALSE(split_chunk_number(std::span<std::byte>(text_tag)));
  Bytes no_fields = copy_tuple({});
  EXPECT_FALSE(split_chunk_number(std::span<std::byte>(no_fields)));
  Bytes short_tuple = {std::byte{0}, std::byte{1}, std::byte{0}};
  EXPECT_FALSE(split_chunk_number(std::span<std::byte>(short_tuple)));
}

}  // namespace
}  // namespace pgshift::verify
