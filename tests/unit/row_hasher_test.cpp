// RowHasher (canonical row hash) and ChunkDigest (row count + sum of row hashes): what must hash
// equal (OID-only differences, -0.0/+0.0, NaN payloads) and what must not (values, NULL vs empty,
// field boundaries), and the algebra of digests.
#include "verify/row_hasher.hpp"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <random>

#include "tests/unit/wire_bytes.hpp"
#include "verify/chunk_digest.hpp"

namespace pgshift::verify {
namespace {

using pg::ValueKind;
using wire::array_1d;
using wire::Bytes;
using wire::copy_tuple;
using wire::float4_bits;
using wire::float8;
using wire::float8_bits;
using wire::int4;
using wire::record_value;
using wire::text;

constexpr std::uint32_t kInt4Oid = 23;
constexpr std::uint32_t kTextOid = 25;

u128 must_hash(RowHasher& hasher, const Bytes& tuple) {
  auto hash = hasher.hash(std::span<const std::byte>(tuple));
  EXPECT_TRUE(hash) << (hash ? "" : hash.error().message);
  return hash ? *hash : 0;
}

u128 xxh3(const Bytes& bytes) {
  auto h = XXH3_128bits(bytes.data(), bytes.size());
  return (static_cast<u128>(h.high64) << 64) | h.low64;
}

TEST(RowHasher, SameTupleSameHashAcrossHashers) {
  pg::TypeShapes types;
  RowHasher first({ValueKind::kScalar, ValueKind::kScalar}, &types);
  RowHasher second({ValueKind::kScalar, ValueKind::kScalar}, &types);
  auto tuple = copy_tuple({int4(1), text("alice")});
  EXPECT_EQ(must_hash(first, tuple), must_hash(second, tuple));
  EXPECT_EQ(must_hash(first, tuple), must_hash(first, tuple));
}

TEST(RowHasher, ScalarRowsAreHashedAsTheCopyTupleItself) {
  pg::TypeShapes types;
  RowHasher hasher({ValueKind::kScalar, ValueKind::kScalar}, &types);
  EXPECT_TRUE(hasher.canonical_in_place());
  auto tuple = copy_tuple({int4(1), std::nullopt});
  EXPECT_EQ(must_hash(hasher, tuple), xxh3(tuple));
}

TEST(RowHasher, CanonicalRowsHashTheSameOnBothPaths) {
  // A float column that holds an already-canonical value hashes like an opaque column holding the
  // same bytes: the scratch path and the in-place path agree on the encoding.
  pg::TypeShapes types;
  RowHasher with_floats({ValueKind::kScalar, ValueKind::kFloat8}, &types);
  RowHasher opaque({ValueKind::kScalar, ValueKind::kScalar}, &types);
  EXPECT_FALSE(with_floats.canonical_in_place());
  auto tuple = copy_tuple({int4(1), float8(2.5)});
  EXPECT_EQ(must_hash(with_floats, tuple), must_hash(opaque, tuple));
  auto with_null = copy_tuple({int4(1), std::nullopt});
  EXPECT_EQ(must_hash(with_floats, with_null), must_hash(opaque, with_null));
}

TEST(RowHasher, DifferentValuesDifferentHashes) {
  pg::TypeShapes types;
  RowHasher hasher({ValueKind::kScalar, ValueKind::kScalar}, &types);
  auto base = must_hash(hasher, copy_tuple({int4(1), text("alice")}));
  EXPECT_NE(base, must_hash(hasher, copy_tuple({int4(2), text("alice")})));
  EXPECT_NE(base, must_hash(hasher, copy_tuple({int4(1), text("alicf")})));
  EXPECT_NE(base, must_hash(hasher, copy_tuple({text("alice"), int4(1)}))) << "column order";
}

TEST(RowHasher, NullDiffersFromEmptyString) {
  pg::TypeShapes types;
  RowHasher hasher({ValueKind::kScalar}, &types);
  EXPECT_NE(must_hash(hasher, copy_tuple({std::nullopt})),
            must_hash(hasher, copy_tuple({text("")})));
  EXPECT_NE(must_hash(hasher, copy_tuple({text(""), std::nullopt})),
            must_hash(hasher, copy_tuple({std::nullopt, text("")})));
}

TEST(RowHasher, FieldBoundaryShiftDiffers) {
  pg::TypeShapes types;
  RowHasher hasher({ValueKind::kScalar, ValueKind::kScalar}, &types);
  EXPECT_NE(must_hash(hasher, copy_tuple({text("ab"), text("c")})),
            must_hash(hasher, copy_tuple({text("a"), text("bc")})));
  EXPECT_NE(must_hash(hasher, copy_tuple({text("abc"), text("")})),
            must_hash(hasher, copy_tuple({text(""), text("abc")})));
  // The same shift in a scratch-path row.
  RowHasher scratch({ValueKind::kScalar, ValueKind::kScalar, ValueKind::kFloat8}, &types);
  EXPECT_NE(must_hash(scratch, copy_tuple({text("ab"), text("c"), float8(1)})),
            must_hash(scratch, copy_tuple({text("a"), text("bc"), float8(1)})));
}

TEST(RowHasher, ArrayElementOidsDoNotMatter) {
  // A user enum array: its element type has another OID in the target.
  pg::TypeShapes source_types, target_types;
  RowHasher source({ValueKind::kScalar, ValueKind::kArray}, &source_types);
  RowHasher target({ValueKind::kScalar, ValueKind::kArray}, &target_types);
  auto from = copy_tuple({int4(1), array_1d(16500, {text("red"), std::nullopt, text("blue")})});
  auto to = copy_tuple({int4(1), array_1d(17500, {text("red"), std::nullopt, text("blue")})});
  EXPECT_NE(from, to);
  EXPECT_EQ(must_hash(source, from), must_hash(target, to));
  // ...but the elements still do.
  auto other = copy_tuple({int4(1), array_1d(17500, {text("red"), text("blue")})});
  EXPECT_NE(must_hash(source, from), must_hash(target, other));
}

TEST(RowHasher, RecordFieldOidsDoNotMatterAtAnyDepth) {
  pg::TypeShapes source_types, target_types;
  source_types.set(16600, ValueKind::kRecord);  // composite type, source numbering
  target_types.set(17600, ValueKind::kRecord);  // the same type in the target
  RowHasher source({ValueKind::kArray}, &source_types);
  RowHasher target({ValueKind::kArray}, &target_types);
  auto row = [](std::uint32_t composite, std::uint32_t enum_oid, const char* colour) {
    return copy_tuple({array_1d(
        composite, {record_value({{enum_oid, text(colour)}, {kInt4Oid, int4(3)}}), std::nullopt})});
  };
  EXPECT_EQ(must_hash(source, row(16600, 16601, "red")),
            must_hash(target, row(17600, 17601, "red")));
  EXPECT_NE(must_hash(source, row(16600, 16601, "red")),
            must_hash(target, row(17600, 17601, "blue")));
}

TEST(RowHasher, HashingDoesNotModifyTheInput) {
  pg::TypeShapes types;
  RowHasher hasher({ValueKind::kArray, ValueKind::kFloat8}, &types);
  auto tuple = copy_tuple({array_1d(16500, {text("x")}), float8(-0.0)});
  const Bytes before = tuple;
  auto first = must_hash(hasher, tuple);
  EXPECT_EQ(tuple, before);
  EXPECT_EQ(must_hash(hasher, tuple), first);
}

// Bit patterns that PostgreSQL may send for one float8 value.
const std::uint64_t kF8PositiveZero = 0x0000000000000000ULL;
const std::uint64_t kF8NegativeZero = 0x8000000000000000ULL;
const std::vector<std::uint64_t> kF8NaNs = {
    0x7ff8000000000000ULL,  // canonical quiet NaN
    0x7ff8000000000001ULL,  // payload
    0xfff8000000000000ULL,  // negative quiet NaN
    0x7ff0000000000001ULL,  // signalling NaN
    0xffffffffffffffffULL,
};
const std::uint32_t kF4PositiveZero = 0x00000000u;
const std::uint32_t kF4NegativeZero = 0x80000000u;
const std::vector<std::uint32_t> kF4NaNs = {0x7fc00000u, 0x7fc00001u, 0xffc00000u, 0x7f800001u,
                                            0xffffffffu};

TEST(RowHasher, Float8ZeroSignAndNaNPayloadsHashEqual) {
  pg::TypeShapes types;
  RowHasher hasher({ValueKind::kScalar, ValueKind::kFloat8}, &types);
  auto row = [](std::uint64_t bits) { return copy_tuple({int4(1), float8_bits(bits)}); };
  EXPECT_EQ(must_hash(hasher, row(kF8NegativeZero)), must_hash(hasher, row(kF8PositiveZero)));
  for (auto nan : kF8NaNs) {
    EXPECT_EQ(must_hash(hasher, row(nan)), must_hash(hasher, row(kF8NaNs[0]))) << std::hex << nan;
  }
  // What stays distinct: NaN vs infinity vs zero, signs of non-zero values, tiny values vs zero.
  auto inf = std::bit_cast<std::uint64_t>(std::numeric_limits<double>::infinity());
  auto neg_inf = std::bit_cast<std::uint64_t>(-std::numeric_limits<double>::infinity());
  auto denormal = std::bit_cast<std::uint64_t>(-std::numeric_limits<double>::denorm_min());
  std::vector<u128> distinct = {
      must_hash(hasher, row(kF8PositiveZero)),
      must_hash(hasher, row(kF8NaNs[0])),
      must_hash(hasher, row(inf)),
      must_hash(hasher, row(neg_inf)),
      must_hash(hasher, row(denormal)),
      must_hash(hasher, copy_tuple({int4(1), float8(1)})),
      must_hash(hasher, copy_tuple({int4(1), float8(-1)})),
  };
  std::sort(distinct.begin(), distinct.end());
  EXPECT_EQ(std::adjacent_find(distinct.begin(), distinct.end()), distinct.end());
}

TEST(RowHasher, Float4ZeroSignAndNaNPayloadsHashEqual) {
  pg::TypeShapes types;
  RowHasher hasher({ValueKind::kFloat4}, &types);
  auto row = [](std::uint32_t bits) { return copy_tuple({float4_bits(bits)}); };
  EXPECT_EQ(must_hash(hasher, row(kF4NegativeZero)), must_hash(hasher, row(kF4PositiveZero)));
  for (auto nan : kF4NaNs) {
    EXPECT_EQ(must_hash(hasher, row(nan)), must_hash(hasher, row(kF4NaNs[0]))) << std::hex << nan;
  }
  EXPECT_NE(must_hash(hasher, row(kF4NaNs[0])), must_hash(hasher, row(kF4PositiveZero)));
  EXPECT_NE(must_hash(hasher, row(0x3f800000u)), must_hash(hasher, row(0xbf800000u)));  // 1, -1
}

TEST(RowHasher, FloatsInsideArraysAndRecordsAreCanonical) {
  pg::TypeShapes types;
  types.set(1022, ValueKind::kArray);  // float8[] inside a record
  RowHasher hasher({ValueKind::kArray, ValueKind::kRecord}, &types);
  auto row = [](std::uint64_t zero, std::uint64_t nan, std::uint32_t f4) {
    return copy_tuple(
        {array_1d(pg::kFloat8Oid, {float8_bits(zero), std::nullopt, float8_bits(nan)}),
         record_value({{pg::kFloat4Oid, float4_bits(f4)},
                       {1022, array_1d(pg::kFloat8Oid, {float8_bits(nan)})}})});
  };
  auto canonical = must_hash(hasher, row(kF8PositiveZero, kF8NaNs[0], kF4PositiveZero));
  EXPECT_EQ(must_hash(hasher, row(kF8NegativeZero, kF8NaNs[1], kF4NegativeZero)), canonical);
  EXPECT_EQ(must_hash(hasher, row(kF8NegativeZero, kF8NaNs[2], kF4NaNs[0])),
            must_hash(hasher, row(kF8PositiveZero, kF8NaNs[3], kF4NaNs[2])));
  EXPECT_NE(must_hash(hasher, row(kF8PositiveZero, kF8NaNs[0], 0x3f800000u)), canonical);
}

TEST(RowHasher, ScratchPathHashesTheCanonicalBytes) {
  pg::TypeShapes types;
  RowHasher hasher({ValueKind::kArray, ValueKind::kFloat8}, &types);
  auto tuple = copy_tuple({array_1d(16500, {text("x")}), float8_bits(kF8NegativeZero)});
  auto canonical = copy_tuple({array_1d(0, {text("x")}), float8_bits(kF8PositiveZero)});
  EXPECT_EQ(must_hash(hasher, tuple), xxh3(canonical));
}

TEST(RowHasher, MalformedValuesAreErrors) {
  pg::TypeShapes types;
  RowHasher hasher({ValueKind::kScalar, ValueKind::kArray}, &types);
  auto bad_array = array_1d(kInt4Oid, {int4(1)});
  bad_array.pop_back();
  EXPECT_FALSE(hasher.hash(copy_tuple({int4(1), bad_array})));
  RowHasher floats({ValueKind::kFloat8}, &types);
  EXPECT_FALSE(floats.hash(copy_tuple({int4(1)}))) << "a float8 column of 4 bytes";
  Bytes truncated = copy_tuple({int4(1), array_1d(kInt4Oid, {})});
  truncated.resize(truncated.size() - 3);
  EXPECT_FALSE(hasher.hash(truncated));
  // A good row after a bad one hashes as if the bad one never happened.
  auto good = copy_tuple({int4(1), array_1d(kInt4Oid, {int4(5)})});
  RowHasher fresh({ValueKind::kScalar, ValueKind::kArray}, &types);
  EXPECT_EQ(must_hash(hasher, good), must_hash(fresh, good));
}

TEST(CanonicalizeFloat, RewritesOnlyZerosAndNaNs) {
  Bytes negative_zero = float8_bits(kF8NegativeZero);
  canonicalize_float(negative_zero);
  EXPECT_EQ(negative_zero, float8_bits(0));
  Bytes nan = float8_bits(kF8NaNs[3]);
  canonicalize_float(nan);
  EXPECT_EQ(nan, float8_bits(0x7ff8000000000000ULL));
  Bytes f4nan = float4_bits(0xffc00001u);
  canonicalize_float(f4nan);
  EXPECT_EQ(f4nan, float4_bits(0x7fc00000u));
  Bytes one = float8(-1.0);
  canonicalize_float(one);
  EXPECT_EQ(one, float8(-1.0));
  Bytes odd = {std::byte{0x80}, std::byte{0}, std::byte{0}};
  canonicalize_float(odd);
  EXPECT_EQ(odd, (Bytes{std::byte{0x80}, std::byte{0}, std::byte{0}})) << "not a float width";
}

// ChunkDigest

std::vector<u128> some_hashes(int count, unsigned seed) {
  std::mt19937_64 random(seed);
  std::vector<u128> out;
  for (int i = 0; i < count; ++i) out.push_back((static_cast<u128>(random()) << 64) | random());
  return out;
}

TEST(ChunkDigest, RowOrderDoesNotMatter) {
  auto hashes = some_hashes(5, 1);
  ChunkDigest reference;
  for (auto h : hashes) reference.add_row(h);
  std::sort(hashes.begin(), hashes.end());
  int permutations = 0;
  do {
    ChunkDigest digest;
    for (auto h : hashes) digest.add_row(h);
    EXPECT_EQ(digest, reference);
    ++permutations;
  } while (std::next_permutation(hashes.begin(), hashes.end()));
  EXPECT_EQ(permutations, 120);
}

TEST(ChunkDigest, RowOrderOfRealRowsDoesNotMatter) {
  pg::TypeShapes types;
  RowHasher hasher({ValueKind::kScalar, ValueKind::kScalar}, &types);
  std::vector<Bytes> rows = {copy_tuple({int4(1), text("a")}), copy_tuple({int4(2), text("b")}),
                             copy_tuple({int4(3), std::nullopt})};
  ChunkDigest forward, backward;
  for (const auto& row : rows) forward.add_row(must_hash(hasher, row));
  for (auto row = rows.rbegin(); row != rows.rend(); ++row)
    backward.add_row(must_hash(hasher, *row));
  EXPECT_EQ(forward, backward);
  ChunkDigest missing;
  for (std::size_t i = 0; i + 1 < rows.size(); ++i) missing.add_row(must_hash(hasher, rows[i]));
  EXPECT_NE(forward, missing);
}

TEST(ChunkDigest, DuplicatesCount) {
  auto h = some_hashes(1, 2)[0];
  ChunkDigest once, twice;
  once.add_row(h);
  twice.add_row(h);
  twice.add_row(h);
  EXPECT_NE(once, twice);
  EXPECT_EQ(once.rows, 1u);
  EXPECT_EQ(twice.rows, 2u);
  EXPECT_NE(once.sum, twice.sum);
  EXPECT_EQ(twice.sum, h * 2);
}

TEST(ChunkDigest, SumWrapsModulo2To128) {
  ChunkDigest digest;
  digest.add_row(~u128{0});
  digest.add_row(2);
  EXPECT_EQ(digest.sum, u128{1});
  EXPECT_EQ(digest.rows, 2u);
}

TEST(ChunkDigest, MergeEqualsTheCombinedDigest) {
  auto hashes = some_hashes(10, 3);
  ChunkDigest whole, left, right;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    whole.add_row(hashes[i]);
    (i < 4 ? left : right).add_row(hashes[i]);
  }
  ChunkDigest merged = left;
  merged.merge(right);
  EXPECT_EQ(merged, whole);
  ChunkDigest other_way = right;
  other_way.merge(left);
  EXPECT_EQ(other_way, whole);
  ChunkDigest with_empty = whole;
  with_empty.merge(ChunkDigest{});
  EXPECT_EQ(with_empty, whole);
  EXPECT_NE(left, whole);
}

TEST(ChunkDigest, SumHexIs32LowercaseDigitsMostSignificantFirst) {
  ChunkDigest digest;
  digest.sum = (static_cast<u128>(0x0123456789abcdefULL) << 64) | 0xfedcba9876543210ULL;
  EXPECT_EQ(digest.sum_hex(), "0123456789abcdeffedcba9876543210");
  EXPECT_EQ(ChunkDigest{}.sum_hex(), std::string(32, '0'));
  digest.sum = 0xa;
  EXPECT_EQ(digest.sum_hex(), std::string(31, '0') + "a");
}

TEST(ChunkDigest, SumHexRoundTrips) {
  std::vector<u128> values = some_hashes(50, 4);
  values.push_back(0);
  values.push_back(1);
  values.push_back(~u128{0});
  values.push_back(u128{1} << 127);
  for (auto value : values) {
    ChunkDigest digest;
    digest.sum = value;
    auto parsed = ChunkDigest::parse_sum_hex(digest.sum_hex());
    ASSERT_TRUE(parsed) << digest.sum_hex();
    EXPECT_TRUE(*parsed == value) << digest.sum_hex();
  }
}

TEST(ChunkDigest, ParseSumHexRejectsBadInput) {
  const std::string good = "0123456789abcdeffedcba9876543210";
  ASSERT_TRUE(ChunkDigest::parse_sum_hex(good));
  EXPECT_FALSE(ChunkDigest::parse_sum_hex(""));
  EXPECT_FALSE(ChunkDigest::parse_sum_hex(good.substr(1))) << "31 digits";
  EXPECT_FALSE(ChunkDigest::parse_sum_hex(good + "0")) << "33 digits";
  EXPECT_FALSE(ChunkDigest::parse_sum_hex("0x" + good.substr(2)));
  for (char bad : {'g', 'z', ' ', '-', '+', '\0', '/', ':', '`', '\xc3'}) {
    std::string text = good;
    text[7] = bad;
    EXPECT_FALSE(ChunkDigest::parse_sum_hex(text)) << "character " << static_cast<int>(bad);
  }
}

}  // namespace
}  // namespace pgshift::verify
