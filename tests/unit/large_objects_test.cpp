// Large-object comparison without a server: hex decoding, a digest that does not depend on the
// pieces the bytes came in, the kinds of difference, and the report entry naming the OIDs.
#include "verify/large_objects.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pgshift::verify {
namespace {

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

TEST(LargeObjects, DecodesHexAndRefusesWhatIsNot) {
  auto bytes = decode_hex("5c00fFA0");
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, (std::vector<std::byte>{std::byte{0x5c}, std::byte{0x00}, std::byte{0xff},
                                            std::byte{0xa0}}));
  EXPECT_TRUE(decode_hex("")->empty());
  EXPECT_FALSE(decode_hex("abc"));
  EXPECT_FALSE(decode_hex("\\x00"));  // escape-format or prefixed text is not taken for hex
  EXPECT_FALSE(decode_hex("0g"));
}

TEST(LargeObjects, DigestDependsOnTheBytesNotOnThePieces) {
  std::string text(3000, '\0');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(i * 31 % 251);
  LargeObjectHasher whole;
  whole.update(bytes_of(text));
  LargeObjectHasher pieces;
  pieces.update(bytes_of(text.substr(0, 1000)));
  pieces.update(bytes_of(text.substr(1000, 1)));
  pieces.update(bytes_of(text.substr(1001)));
  EXPECT_EQ(whole.digest(), pieces.digest());
  EXPECT_EQ(whole.digest().bytes, 3000u);
  XXH128_hash_t expected = XXH3_128bits(text.data(), text.size());
  EXPECT_EQ(whole.digest().hash, (static_cast<u128>(expected.high64) << 64) | expected.low64);

  text[2999] ^= 1;
  LargeObjectHasher changed;
  changed.update(bytes_of(text));
  EXPECT_NE(changed.digest(), whole.digest());
  EXPECT_NE(LargeObjectHasher().digest(), whole.digest());
  EXPECT_EQ(LargeObjectHasher().digest().bytes, 0u);
}

TEST(LargeObjects, DifferencesNameEachObject) {
  LargeObjectDigest a{10, 1}, b{10, 2}, c{0, 3};
  std::map<std::uint32_t, LargeObjectDigest> source{{16400, a}, {16401, b}, {16402, c}};
  std::map<std::uint32_t, LargeObjectDigest> target{{16400, a}, {16401, a}, {16500, c}};
  auto differences = compare_large_objects(source, target);
  ASSERT_EQ(differences.size(), 3u);
  EXPECT_EQ(differences[0].oid, 16401u);
  EXPECT_EQ(differences[0].kind, "changed");
  EXPECT_EQ(differences[0].detail, "10 bytes in the source, 10 in the target, contents differ");
  EXPECT_EQ(differences[1].oid, 16402u);
  EXPECT_EQ(differences[1].kind, "missing");
  EXPECT_EQ(differences[2].oid, 16500u);
  EXPECT_EQ(differences[2].kind, "extra");
  EXPECT_TRUE(compare_large_objects(source, source).empty());

  auto entry = large_objects_report(3, 3, 20, differences, true);
  EXPECT_EQ(entry.schema + "." + entry.name, "pg_catalog.pg_largeobject");
  EXPECT_EQ(entry.rows_source, 3);
  EXPECT_EQ(entry.chunks_verified, 0);
  ASSERT_EQ(entry.mismatches.size(), 3u);
  EXPECT_EQ(entry.mismatches[0].kind, "missing");
  EXPECT_EQ(entry.mismatches[0].keys, std::vector<std::string>{"16402"});
  EXPECT_EQ(entry.mismatches[2].kind, "changed");
  EXPECT_EQ(entry.mismatches[2].detail,
            "large object 16401: 10 bytes in the source, 10 in the target, contents differ");
  auto equal = large_objects_report(3, 3, 20, {}, true);
  EXPECT_EQ(equal.chunks_verified, 1);
  EXPECT_TRUE(equal.mismatches.empty());
}

}  // namespace
}  // namespace pgshift::verify
