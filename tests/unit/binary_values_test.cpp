// walk_value over hand-built binary arrays and records: which embedded OIDs and floats it finds
// (also nested, through OIDs declared in TypeShapes), that malformed values fail, and OidRemap.
#include "engine/model/binary_values.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "tests/unit/wire_bytes.hpp"

namespace pgshift::pg {
namespace {

using wire::array_1d;
using wire::array_value;
using wire::Bytes;
using wire::Field;
using wire::float4;
using wire::float8;
using wire::int4;
using wire::record_value;
using wire::text;

constexpr std::uint32_t kInt4Oid = 23;
constexpr std::uint32_t kTextOid = 25;
constexpr std::uint32_t kFloat8ArrayOid = 1022;
constexpr std::uint32_t kUserRecordOid = 90002;  // a composite type of this database
constexpr std::uint32_t kUserArrayOid = 90003;   // its array type
constexpr std::uint32_t kUserEnumOid = 90004;    // a scalar user type

TypeShapes shapes() {
  TypeShapes out;
  out.set(kFloat8ArrayOid, ValueKind::kArray);
  out.set(kUserRecordOid, ValueKind::kRecord);
  out.set(kUserArrayOid, ValueKind::kArray);
  return out;
}

struct Walk {
  bool ok = false;
  std::string error;
  std::vector<std::uint32_t> oids;       // values of the OID slots, in visit order
  std::vector<std::size_t> oid_offsets;  // where the slots are in the value
  std::vector<Bytes> floats;             // bytes of every float found
};

Walk walk(Bytes value, ValueKind kind, const TypeShapes& types = shapes()) {
  Walk out;
  const std::byte* base = value.data();
  auto status = walk_value(
      std::span<std::byte>(value), kind, types,
      [&](std::byte* slot) {
        EXPECT_GE(slot, base);
        EXPECT_LE(slot + 4, base + value.size());
        out.oids.push_back(read_u32(slot));
        out.oid_offsets.push_back(static_cast<std::size_t>(slot - base));
      },
      [&](std::span<std::byte> f) {
        EXPECT_GE(f.data(), base);
        EXPECT_LE(f.data() + f.size(), base + value.size());
        out.floats.emplace_back(f.begin(), f.end());
      });
  out.ok = static_cast<bool>(status);
  if (!status) out.error = status.error().message;
  return out;
}

double as_double(const Bytes& bytes) {
  EXPECT_EQ(bytes.size(), 8u);
  std::uint64_t bits = (std::uint64_t{read_u32(bytes.data())} << 32) | read_u32(bytes.data() + 4);
  return std::bit_cast<double>(bits);
}

TEST(TypeShapes, KnowsBuiltinFloatsAndRecordAndDefaultsToScalar) {
  TypeShapes types;
  EXPECT_EQ(types.kind(kFloat4Oid), ValueKind::kFloat4);
  EXPECT_EQ(types.kind(kFloat8Oid), ValueKind::kFloat8);
  EXPECT_EQ(types.kind(kRecordOid), ValueKind::kRecord);
  EXPECT_EQ(types.kind(kInt4Oid), ValueKind::kScalar);
  EXPECT_EQ(types.kind(kUserArrayOid), ValueKind::kScalar);
  types.set(kUserArrayOid, ValueKind::kArray);
  EXPECT_EQ(types.kind(kUserArrayOid), ValueKind::kArray);
}

TEST(WalkValue, ScalarIsOpaque) {
  auto result = walk(text("anything at all, even \xff\xff"), ValueKind::kScalar);
  EXPECT_TRUE(result.ok);
  EXPECT_TRUE(result.oids.empty());
  EXPECT_TRUE(result.floats.empty());
}

TEST(WalkValue, FloatsMustHaveTheirExactWidth) {
  auto f8 = walk(float8(2.5), ValueKind::kFloat8);
  ASSERT_TRUE(f8.ok);
  ASSERT_EQ(f8.floats.size(), 1u);
  EXPECT_EQ(as_double(f8.floats[0]), 2.5);
  auto f4 = walk(float4(2.5f), ValueKind::kFloat4);
  ASSERT_TRUE(f4.ok);
  EXPECT_EQ(f4.floats.size(), 1u);

  EXPECT_FALSE(walk(float4(1.0f), ValueKind::kFloat8).ok);
  EXPECT_FALSE(walk(float8(1.0), ValueKind::kFloat4).ok);
  EXPECT_FALSE(walk(Bytes{}, ValueKind::kFloat8).ok);
}

TEST(WalkValue, OneDimensionalIntArrayHasOneOidAndNoFloats) {
  auto result = walk(array_1d(kInt4Oid, {int4(1), int4(2), int4(3)}), ValueKind::kArray);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.oids, std::vector<std::uint32_t>{kInt4Oid});
  EXPECT_EQ(result.oid_offsets, std::vector<std::size_t>{8});
  EXPECT_TRUE(result.floats.empty());
}

TEST(WalkValue, FindsFloatsInsideAFloat8ArrayAndSkipsNullElements) {
  auto result = walk(array_1d(kFloat8Oid, {float8(1.5), std::nullopt, float8(-0.0), float8(7)}),
                     ValueKind::kArray);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.oids, std::vector<std::uint32_t>{kFloat8Oid});
  ASSERT_EQ(result.floats.size(), 3u);
  EXPECT_EQ(as_double(result.floats[0]), 1.5);
  EXPECT_TRUE(std::signbit(as_double(result.floats[1])));
  EXPECT_EQ(as_double(result.floats[2]), 7.0);
}

TEST(WalkValue, TwoDimensionalArrayVisitsEveryElement) {
  std::vector<Field> elements;
  for (int i = 0; i < 6; ++i) elements.push_back(float4(static_cast<float>(i)));
  auto value = array_value(kFloat4Oid, {{2, 1}, {3, 1}}, elements);
  auto result = walk(value, ValueKind::kArray);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.floats.size(), 6u);

  // The element count is the product of the extents, not their sum or the first one.
  elements.pop_back();
  EXPECT_FALSE(walk(array_value(kFloat4Oid, {{2, 1}, {3, 1}}, elements), ValueKind::kArray).ok);
  EXPECT_TRUE(walk(array_value(kFloat4Oid, {{5, 1}, {1, 1}}, elements), ValueKind::kArray).ok);
}

TEST(WalkValue, EmptyArrayHasZeroDimensions) {
  auto value = array_value(kFloat8Oid, {}, {});
  ASSERT_EQ(value.size(), 12u);
  auto result = walk(value, ValueKind::kArray);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.oids, std::vector<std::uint32_t>{kFloat8Oid});
  EXPECT_TRUE(result.floats.empty());
}

TEST(WalkValue, RecordVisitsEveryFieldOidIncludingNullFields) {
  auto value = record_value({{kInt4Oid, int4(7)},
                             {kFloat8Oid, std::nullopt},
                             {kFloat4Oid, float4(-0.0f)},
                             {kTextOid, text("x")}});
  auto result = walk(value, ValueKind::kRecord);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.oids, (std::vector<std::uint32_t>{kInt4Oid, kFloat8Oid, kFloat4Oid, kTextOid}));
  EXPECT_EQ(result.oid_offsets, (std::vector<std::size_t>{4, 16, 24, 36}));
  ASSERT_EQ(result.floats.size(), 1u);
  EXPECT_EQ(result.floats[0].size(), 4u);
}

TEST(WalkValue, EmptyRecord) {
  auto result = walk(record_value({}), ValueKind::kRecord);
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(result.oids.empty());
}

TEST(WalkValue, FollowsAnArrayNestedInARecord) {
  auto inner = array_1d(kFloat8Oid, {float8(1), float8(2)});
  auto value = record_value({{kInt4Oid, int4(1)}, {kFloat8ArrayOid, inner}});
  auto result = walk(value, ValueKind::kRecord);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.oids, (std::vector<std::uint32_t>{kInt4Oid, kFloat8ArrayOid, kFloat8Oid}));
  // The nested element OID slot is inside the nested array: 4 (count) + 8 + 8 (field headers)
  // + 4 (int4) + 8 (array ndim/flags).
  EXPECT_EQ(result.oid_offsets.back(), 4u + 8u + 4u + 8u + 8u);
  EXPECT_EQ(result.floats.size(), 2u);
}

TEST(WalkValue, UndeclaredOidsAreNotFollowed) {
  // The same nested array, under an OID the shapes do not know: it is opaque.
  auto inner = array_1d(kFloat8Oid, {float8(1), float8(2)});
  auto value = record_value({{kUserEnumOid, inner}});
  auto result = walk(value, ValueKind::kRecord);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.oids, std::vector<std::uint32_t>{kUserEnumOid});
  EXPECT_TRUE(result.floats.empty());
}

TEST(WalkValue, FollowsRecordsInsideAnArray) {
  auto first = record_value({{kFloat8Oid, float8(1)}, {kTextOid, text("a")}});
  auto second = record_value({{kFloat8Oid, std::nullopt}, {kTextOid, text("b")}});
  auto value = array_1d(kUserRecordOid, {first, std::nullopt, second});
  auto result = walk(value, ValueKind::kArray);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.oids, (std::vector<std::uint32_t>{kUserRecordOid, kFloat8Oid, kTextOid,
                                                     kFloat8Oid, kTextOid}));
  EXPECT_EQ(result.floats.size(), 1u);
}

TEST(WalkValue, AnonymousRecordOidIsFollowedWithoutDeclaration) {
  auto inner = record_value({{kFloat4Oid, float4(3)}});
  auto result = walk(array_1d(kRecordOid, {inner}), ValueKind::kArray, TypeShapes());
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.floats.size(), 1u);
}

TEST(WalkValue, NestedKindsComeFromTheOidsBeforeTheCallbackRewritesThem) {
  // The hasher zeroes every OID slot from on_oid; the nested values must still be walked as what
  // the original OIDs said.
  auto inner = array_1d(kFloat8Oid, {float8(-0.0)});
  auto value = array_1d(kUserRecordOid, {record_value({{kFloat8ArrayOid, inner}})});
  int floats = 0;
  auto status = walk_value(
      std::span<std::byte>(value), ValueKind::kArray, shapes(),
      [](std::byte* slot) { write_u32(slot, 0); }, [&](std::span<std::byte>) { ++floats; });
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(floats, 1);
  EXPECT_EQ(read_u32(value.data() + 8), 0u) << "outer element OID rewritten in place";
}

TEST(WalkValue, MalformedArraysFail) {
  auto good = array_1d(kFloat8Oid, {float8(1), std::nullopt, float8(2)});
  ASSERT_TRUE(walk(good, ValueKind::kArray).ok);

  for (std::size_t size = 0; size < good.size(); ++size) {
    EXPECT_FALSE(walk(Bytes(good.begin(), good.begin() + size), ValueKind::kArray).ok)
        << "truncated to " << size;
  }
  Bytes trailing = good;
  trailing.push_back(std::byte{0});
  EXPECT_FALSE(walk(trailing, ValueKind::kArray).ok) << "trailing garbage";

  // Extent says 4 elements, 3 present; extent says 2, 3 present.
  EXPECT_FALSE(
      walk(array_value(kInt4Oid, {{4, 1}}, {int4(1), int4(2), int4(3)}), ValueKind::kArray).ok);
  EXPECT_FALSE(
      walk(array_value(kInt4Oid, {{2, 1}}, {int4(1), int4(2), int4(3)}), ValueKind::kArray).ok);
  EXPECT_FALSE(walk(array_value(kInt4Oid, {{-1, 1}}, {}), ValueKind::kArray).ok)
      << "negative extent";

  Bytes seven_dims = array_value(
      kInt4Oid, std::vector<std::pair<std::int32_t, std::int32_t>>(7, {1, 1}), {int4(1)});
  EXPECT_FALSE(walk(seven_dims, ValueKind::kArray).ok);
  Bytes negative_dims = array_value(kInt4Oid, {}, {});
  negative_dims[0] = std::byte{0xff};
  EXPECT_FALSE(walk(negative_dims, ValueKind::kArray).ok);

  // An element of a float8 array that is not 8 bytes.
  EXPECT_FALSE(walk(array_1d(kFloat8Oid, {float4(1)}), ValueKind::kArray).ok);
  // An element length running past the end.
  Bytes overrun = array_1d(kInt4Oid, {int4(1)});
  overrun[overrun.size() - 5] = std::byte{0x7f};
  EXPECT_FALSE(walk(overrun, ValueKind::kArray).ok);
}

TEST(WalkValue, MalformedRecordsFail) {
  auto good =
      record_value({{kInt4Oid, int4(1)}, {kFloat8Oid, std::nullopt}, {kTextOid, text("ab")}});
  ASSERT_TRUE(walk(good, ValueKind::kRecord).ok);
  for (std::size_t size = 0; size < good.size(); ++size) {
    EXPECT_FALSE(walk(Bytes(good.begin(), good.begin() + size), ValueKind::kRecord).ok)
        << "truncated to " << size;
  }
  Bytes trailing = good;
  trailing.push_back(std::byte{0});
  EXPECT_FALSE(walk(trailing, ValueKind::kRecord).ok);
  Bytes negative_count = good;
  negative_count[0] = std::byte{0x80};
  EXPECT_FALSE(walk(negative_count, ValueKind::kRecord).ok);
  EXPECT_FALSE(walk(record_value({{kFloat8Oid, float4(1)}}), ValueKind::kRecord).ok)
      << "float8 field of 4 bytes";
}

TEST(WalkValue, MalformedNestedValuesFailTheOuterWalk) {
  auto bad_inner = array_value(kFloat8Oid, {{3, 1}}, {float8(1)});  // extent 3, one element
  EXPECT_FALSE(walk(record_value({{kFloat8ArrayOid, bad_inner}}), ValueKind::kRecord).ok);
  auto bad_record = record_value({{kFloat8Oid, float8(1)}});
  bad_record[3] = std::byte{2};  // claims two fields
  EXPECT_FALSE(walk(array_1d(kUserRecordOid, {bad_record}), ValueKind::kArray).ok);

  // Every truncation of a deeply nested value fails.
  auto inner = array_1d(kFloat8Oid, {float8(1), std::nullopt});
  auto value =
      array_1d(kUserRecordOid, {record_value({{kFloat8ArrayOid, inner}, {kTextOid, text("t")}})});
  ASSERT_TRUE(walk(value, ValueKind::kArray).ok);
  for (std::size_t size = 0; size < value.size(); ++size) {
    EXPECT_FALSE(walk(Bytes(value.begin(), value.begin() + size), ValueKind::kArray).ok)
        << "truncated to " << size;
  }
}

// An array whose only element is an array of the same type, `depth` levels down.
Bytes nested_arrays(int depth) {
  Bytes value = array_1d(kInt4Oid, {int4(1)});
  for (int level = 0; level < depth; ++level) value = array_1d(kUserArrayOid, {value});
  return value;
}

TEST(WalkValue, BoundsNestingDepth) {
  EXPECT_TRUE(walk(nested_arrays(20), ValueKind::kArray).ok);
  auto deep = walk(nested_arrays(200), ValueKind::kArray);
  EXPECT_FALSE(deep.ok);
  EXPECT_NE(deep.error.find("nesting"), std::string::npos) << deep.error;
}

TEST(WalkValue, ElementCountOverflowIsRejected) {
  auto value = array_value(kInt4Oid, {{65536, 1}, {65536, 1}, {65536, 1}, {65536, 1}}, {});
  EXPECT_FALSE(walk(value, ValueKind::kArray).ok);
}

TEST(OidRemap, MapsAddedOidsAndLeavesOthers) {
  OidRemap remap;
  EXPECT_TRUE(remap.empty());
  remap.add(kInt4Oid, kInt4Oid);
  EXPECT_TRUE(remap.empty()) << "an identity pair is not stored";
  remap.add(kUserRecordOid, 70002);
  remap.add(kUserArrayOid, 70003);
  EXPECT_FALSE(remap.empty());
  EXPECT_EQ(remap.map(kUserRecordOid), 70002u);
  EXPECT_EQ(remap.map(kUserArrayOid), 70003u);
  EXPECT_EQ(remap.map(kInt4Oid), kInt4Oid);
  EXPECT_EQ(remap.map(70002), 70002u) << "mapping is one way";
  remap.add(kUserRecordOid, 80002);
  EXPECT_EQ(remap.map(kUserRecordOid), 80002u) << "the last mapping wins";
}

TEST(OidRemap, RewritesEveryEmbeddedOidThroughWalkValue) {
  OidRemap remap;
  remap.add(kUserRecordOid, 70002);
  remap.add(kUserEnumOid, 70004);
  auto value =
      array_1d(kUserRecordOid, {record_value({{kUserEnumOid, text("red")}, {kInt4Oid, int4(1)}})});
  auto status = walk_value(
      std::span<std::byte>(value), ValueKind::kArray, shapes(),
      [&](std::byte* slot) { write_u32(slot, remap.map(read_u32(slot))); },
      [](std::span<std::byte>) {});
  ASSERT_TRUE(status);

  TypeShapes target;  // the target database's numbering
  target.set(70002, ValueKind::kRecord);
  auto after = walk(value, ValueKind::kArray, target);
  ASSERT_TRUE(after.ok) << after.error;
  EXPECT_EQ(after.oids, (std::vector<std::uint32_t>{70002, 70004, kInt4Oid}));
}

}  // namespace
}  // namespace pgshift::pg
