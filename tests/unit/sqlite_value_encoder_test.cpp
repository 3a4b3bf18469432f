// SQLite values -> PostgreSQL binary send format, checked against PostgreSQL's byte layouts (the
// expected bytes are what int8send, numeric_send, date_send, timestamp_send, jsonb_send, uuid_send
// and boolsend return for the same values), plus every refusal naming its value, the
// --on-type-error policies, the epoch-unit rule, jsonb canonical text and typed literals.
#include "connectors/sqlite/value_encoder.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdio>
#include <cstring>

#include "connectors/sqlite/datetime_value.hpp"
#include "connectors/sqlite/decimal.hpp"
#include "connectors/sqlite/epoch_unit.hpp"
#include "connectors/sqlite/jsonb_fast_path.hpp"
#include "connectors/sqlite/jsonb_text.hpp"
#include "connectors/sqlite/pg_literal.hpp"

namespace pgshift::sqlite {
namespace {

std::string hex(const std::vector<std::byte>& bytes) {
  std::string out;
  for (std::byte b : bytes) {
    char digits[4];
    std::snprintf(digits, sizeof digits, "%02x", std::to_integer<unsigned>(b));
    out += digits;
  }
  return out;
}

ColumnTarget target(std::string_view type) {
  auto parsed = parse_pg_type(type);
  EXPECT_TRUE(parsed) << type;
  ColumnTarget out;
  out.type = parsed ? *parsed : PgType{};
  return out;
}

// The hex of the encoded value, or "ERROR: <message>".
std::string encode(const SqliteValue& value, const ColumnTarget& column) {
  std::vector<std::byte> out;
  auto status = encode_value(value, column, out);
  if (!status) {
    EXPECT_EQ(status.error().kind, ErrorKind::kRefused);
    EXPECT_TRUE(out.empty()) << "output must be left as it was on error";
    return "ERROR: " + status.error().message;
  }
  return hex(out);
}
std::string encode(const SqliteValue& value, std::string_view type) {
  return encode(value, target(type));
}

std::string text_of(const std::vector<std::byte>& bytes, std::size_t from = 0) {
  return std::string(reinterpret_cast<const char*>(bytes.data()) + from, bytes.size() - from);
}

using V = SqliteValue;

TEST(SqliteValueEncoder, Integers) {
  EXPECT_EQ(encode(V::of_integer(1), "bigint"), "0000000000000001");
  EXPECT_EQ(encode(V::of_integer(-1), "bigint"), "ffffffffffffffff");
  EXPECT_EQ(encode(V::of_integer(INT64_MIN), "bigint"), "8000000000000000");
  EXPECT_EQ(encode(V::of_integer(-2), "integer"), "fffffffe");
  EXPECT_EQ(encode(V::of_integer(32767), "smallint"), "7fff");
  EXPECT_EQ(encode(V::of_text(" 42 "), "bigint"), "000000000000002a");
  EXPECT_EQ(encode(V::of_text("+7"), "integer"), "00000007");
  EXPECT_EQ(encode(V::of_real(3.0), "bigint"), "0000000000000003");
  EXPECT_EQ(encode(V::of_integer(32768), "smallint"),
            "ERROR: value 32768 is out of range for smallint");
  EXPECT_EQ(encode(V::of_integer(2147483648), "integer"),
            "ERROR: value 2147483648 is out of range for integer");
  EXPECT_EQ(encode(V::of_text("abc"), "bigint"), "ERROR: value 'abc' is not an integer");
  EXPECT_EQ(encode(V::of_text(""), "bigint"), "ERROR: value '' is not an integer");
  EXPECT_EQ(encode(V::of_text("+-5"), "bigint"), "ERROR: value '+-5' is not an integer");
  EXPECT_EQ(encode(V::of_real(3.5), "bigint"), "ERROR: value 3.5 is not an integer");
  EXPECT_EQ(encode(V::of_text("9223372036854775808"), "bigint"),
            "ERROR: value '9223372036854775808' is out of range for bigint");
  EXPECT_EQ(encode(V::of_blob("\x01"), "bigint"), "ERROR: value x'01' is a blob, not an integer");
}

TEST(SqliteValueEncoder, Float8KeepsExactBits) {
  double needs17 = 0.1 + 0.2;  // 0.30000000000000004: 17 significant digits
  std::vector<std::byte> out;
  ASSERT_TRUE(encode_value(V::of_real(needs17), target("double precision"), out));
  ASSERT_EQ(out.size(), 8u);
  std::uint64_t bits = 0;
  for (std::byte b : out) bits = (bits << 8) | std::to_integer<std::uint64_t>(b);
  EXPECT_EQ(std::bit_cast<double>(bits), needs17);
  EXPECT_EQ(bits, std::bit_cast<std::uint64_t>(needs17));

  EXPECT_EQ(encode(V::of_real(1.5), "float8"), "3ff8000000000000");
  EXPECT_EQ(encode(V::of_integer(3), "float8"), "4008000000000000");
  EXPECT_EQ(encode(V::of_integer(9007199254740992), "float8"), "4340000000000000");  // 2^53
  EXPECT_EQ(encode(V::of_integer(9007199254740993), "float8"),
            "ERROR: value 9007199254740993 cannot be held exactly by double precision");
  EXPECT_EQ(encode(V::of_text("0.1"), "float8"), "3fb999999999999a");
  EXPECT_EQ(encode(V::of_text("-Infinity"), "float8"), "fff0000000000000");
  EXPECT_EQ(encode(V::of_text("NaN"), "float8"), "7ff8000000000000");
  EXPECT_EQ(encode(V::of_text("1e400"), "float8"),
            "ERROR: value '1e400' is out of range for double precision");
  EXPECT_EQ(encode(V::of_text("nan(1)"), "float8"), "ERROR: value 'nan(1)' is not a number");
  EXPECT_EQ(encode(V::of_text("12abc"), "float8"), "ERROR: value '12abc' is not a number");
}

TEST(SqliteValueEncoder, NumericBinaryLayout) {
  // ndigits 3, weight 1, sign 0, dscale 3, digits [1, 2345, 6780].
  const std::string expected =
      "0003"
      "0001"
      "0000"
      "0003"
      "0001"
      "0929"
      "1a7c";
  EXPECT_EQ(encode(V::of_text("12345.678"), "numeric"), expected);
  EXPECT_EQ(encode(V::of_real(12345.678), "numeric"), expected);  // shortest round-trip text
  EXPECT_EQ(encode(V::of_integer(10000), "numeric"),
            "0001"
            "0001"
            "0000"
            "0000"
            "0001");
  EXPECT_EQ(encode(V::of_integer(-5), "numeric"),
            "0001"
            "0000"
            "4000"
            "0000"
            "0005");
  EXPECT_EQ(encode(V::of_text("0.00"), "numeric"),
            "0000"
            "0000"
            "0000"
            "0002");
  EXPECT_EQ(encode(V::of_text("-0"), "numeric"),
            "0000"
            "0000"
            "0000"
            "0000");
  EXPECT_EQ(encode(V::of_text("0.00001"), "numeric"),
            "0001"
            "fffe"
            "0000"
            "0005"
            "03e8");
  EXPECT_EQ(encode(V::of_text("1.5e-3"), "numeric"),
            "0001"
            "ffff"
            "0000"
            "0004"
            "000f");
  EXPECT_EQ(encode(V::of_text("1e2"), "numeric"),
            "0001"
            "0000"
            "0000"
            "0000"
            "0064");
  EXPECT_EQ(encode(V::of_text("NaN"), "numeric"),
            "0000"
            "0000"
            "c000"
            "0000");
  EXPECT_EQ(encode(V::of_text("Infinity"), "numeric"),
            "0000"
            "0000"
            "d000"
            "0020");
  EXPECT_EQ(encode(V::of_real(0.1), "numeric"),
            "0001"
            "ffff"
            "0000"
            "0001"
            "03e8");
  // numeric(10,2) pads the scale, refuses rounding and overflow.
  EXPECT_EQ(encode(V::of_real(1.5), "numeric(10,2)"),
            "0002"
            "0000"
            "0000"
            "0002"
            "0001"
            "1388");
  EXPECT_EQ(encode(V::of_text("12.500"), "numeric(10,2)"),
            "0002"
            "0000"
            "0000"
            "0002"
            "000c"
            "1388");
  EXPECT_EQ(encode(V::of_text("1.005"), "numeric(10,2)"),
            "ERROR: value '1.005' has more than 2 digits after the point (PostgreSQL would round "
            "it; --cast the column to numeric to keep it exactly)");
  EXPECT_EQ(encode(V::of_integer(123), "numeric(4,2)"),
            "ERROR: value 123 does not fit numeric(4,2): at most 2 digits before the point");
  EXPECT_EQ(encode(V::of_text("Infinity"), "numeric(4,2)"),
            "ERROR: value 'Infinity' is infinite, which numeric(4,2) cannot hold");
  EXPECT_EQ(encode(V::of_text("1,5"), "numeric"), "ERROR: value '1,5' is not a number");
  EXPECT_EQ(encode(V::of_text("1e1001"), "numeric"),
            "ERROR: value '1e1001' has an exponent out of range");
}

TEST(SqliteDecimal, TextAndBinaryRoundTrip) {
  for (const char* text : {"0", "-12.50", "0.001", "123456789012345678901234567890.5", "1.0000",
                           "NaN", "-Infinity", "10000", "0.0001"}) {
    auto parsed = parse_decimal(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(decimal_text(*parsed), text);
    std::vector<std::byte> bytes;
    append_numeric_binary(*parsed, bytes);
    auto back = numeric_binary_text(bytes);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, text);
  }
  EXPECT_EQ(decimal_text(*parse_decimal("  -0.0 ")), "0.0");
  EXPECT_EQ(decimal_text(*parse_decimal("1.5E+3")), "1500");
  EXPECT_EQ(decimal_text(*parse_decimal(".5")), "0.5");
  EXPECT_EQ(decimal_text(decimal_from_double(1e20)), "100000000000000000000");
  EXPECT_EQ(decimal_text(decimal_from_int64(INT64_MIN)), "-9223372036854775808");
  EXPECT_FALSE(parse_decimal("."));
  EXPECT_FALSE(parse_decimal("1e"));
  EXPECT_FALSE(parse_decimal("--1"));
}

TEST(SqliteValueEncoder, TextAndVarchar) {
  EXPECT_EQ(encode(V::of_text("héllo"), "text"), "68c3a96c6c6f");
  EXPECT_EQ(encode(V::of_integer(-12), "text"), "2d3132");
  EXPECT_EQ(encode(V::of_real(2.0), "text"), "322e30");  // "2.0", as SQLite prints REALs
  EXPECT_EQ(encode(V::of_blob("ok"), "text"), "6f6b");
  EXPECT_EQ(encode(V::of_text("a\xff"), "text"),
            "ERROR: value 'a\\xff' is not valid UTF-8 (at byte 1)");
  EXPECT_EQ(encode(V::of_text(std::string_view("a\0b", 3)), "text"),
            "ERROR: value 'a\\x00b' contains a NUL byte, which text cannot hold");
  EXPECT_EQ(encode(V::of_text("\xed\xa0\x80"), "text").substr(0, 6), "ERROR:");  // surrogate
  EXPECT_EQ(encode(V::of_text("äöü"), "varchar(3)"), "c3a4c3b6c3bc");
  EXPECT_EQ(encode(V::of_text("abcd"), "varchar(3)"),
            "ERROR: value 'abcd' is longer than varchar(3) (4 characters)");
}

TEST(SqliteValueEncoder, Bytea) {
  EXPECT_EQ(encode(V::of_blob(std::string_view("\x00\xff", 2)), "bytea"), "00ff");
  EXPECT_EQ(encode(V::of_text("ab"), "bytea"), "6162");
  EXPECT_EQ(encode(V::of_blob(""), "bytea"), "");
  EXPECT_EQ(encode(V::of_integer(5), "bytea"),
            "ERROR: value 5 is a number, not bytes (--cast the column to a numeric or text type)");
}

TEST(SqliteValueEncoder, Booleans) {
  EXPECT_EQ(encode(V::of_integer(1), "boolean"), "01");
  EXPECT_EQ(encode(V::of_integer(0), "boolean"), "00");
  EXPECT_EQ(encode(V::of_real(1.0), "boolean"), "01");
  for (const char* yes : {"true", "TRUE", "t", "yes", "Y", "on", "1", " true "}) {
    EXPECT_EQ(encode(V::of_text(yes), "boolean"), "01") << yes;
  }
  for (const char* no : {"false", "f", "No", "n", "off", "0"}) {
    EXPECT_EQ(encode(V::of_text(no), "boolean"), "00") << no;
  }
  EXPECT_EQ(encode(V::of_integer(2), "boolean"),
            "ERROR: value 2 is not a boolean (0/1, true/false)");
  EXPECT_EQ(encode(V::of_text("maybe"), "boolean"),
            "ERROR: value 'maybe' is not a boolean (0/1, true/false)");
}

TEST(SqliteValueEncoder, Dates) {
  EXPECT_EQ(encode(V::of_text("2000-01-02"), "date"), "00000001");
  EXPECT_EQ(encode(V::of_text("2000-01-01"), "date"), "00000000");
  EXPECT_EQ(encode(V::of_text("1999-12-31"), "date"), "ffffffff");
  EXPECT_EQ(encode(V::of_text("2024-02-29 00:00:00"), "date"), "00002279");  // 8825 days
  EXPECT_EQ(encode(V::of_real(2451544.5), "date"), "00000000");     // Julian day of midnight
  EXPECT_EQ(encode(V::of_integer(946771200), "date"), "00000001");  // epoch seconds
  EXPECT_EQ(encode(V::of_text("infinity"), "date"), "7fffffff");
  EXPECT_EQ(encode(V::of_text("2024-02-29 10:00:00"), "date"),
            "ERROR: value '2024-02-29 10:00:00' has a time of day, which a date cannot hold "
            "(--cast to timestamp)");
  EXPECT_EQ(encode(V::of_text("2023-02-29"), "date"),
            "ERROR: value '2023-02-29' is not an ISO-8601 date/time (day out of range)");
  EXPECT_EQ(encode(V::of_text("29/02/2024"), "date"),
            "ERROR: value '29/02/2024' is not an ISO-8601 date/time (expected YYYY-MM-DD)");
  EXPECT_EQ(encode(V::of_blob("x"), "date"), "ERROR: value x'78' is a blob, not a date/time");
}

TEST(SqliteValueEncoder, Timestamps) {
  EXPECT_EQ(encode(V::of_text("2000-01-01 00:00:01.5"), "timestamp"), "000000000016e360");
  EXPECT_EQ(encode(V::of_text("2000-01-01T00:00:01.500"), "timestamp"), "000000000016e360");
  EXPECT_EQ(encode(V::of_text("2000-01-01 00:00"), "timestamp"), "0000000000000000");
  EXPECT_EQ(encode(V::of_text("2000-01-01"), "timestamp"), "0000000000000000");
  EXPECT_EQ(encode(V::of_text("1999-12-31 23:59:59.999999"), "timestamp"), "ffffffffffffffff");
  // A zone is converted to UTC: 02:00:00+02:00 is midnight UTC.
  EXPECT_EQ(encode(V::of_text("2000-01-01 02:00:00+02:00"), "timestamp"), "0000000000000000");
  EXPECT_EQ(encode(V::of_text("1999-12-31T22:30:00-0130"), "timestamp"), "0000000000000000");
  EXPECT_EQ(encode(V::of_text("2000-01-01T00:00:00Z"), "timestamp"), "0000000000000000");
  // Julian day 2451545.0 is 2000-01-01 12:00:00.
  EXPECT_EQ(encode(V::of_real(2451545.0), "timestamp"), "0000000a0eebb000");
  // Unix epoch in seconds and in milliseconds (the unit chosen for the column).
  EXPECT_EQ(encode(V::of_integer(946684801), "timestamp"), "00000000000f4240");
  ColumnTarget millis = target("timestamp");
  millis.epoch_unit = EpochUnit::kMilliseconds;
  EXPECT_EQ(encode(V::of_integer(946684800123), millis), "000000000001e078");
  EXPECT_EQ(encode(V::of_integer(0), millis), "fffca2fec4c82000" /* 1970-01-01 */);
  EXPECT_EQ(encode(V::of_text("-infinity"), "timestamp"), "8000000000000000");
  ColumnTarget julian = target("timestamp");
  julian.epoch_unit = EpochUnit::kJulianDays;
  EXPECT_EQ(encode(V::of_integer(2451545), julian), "0000000a0eebb000");  // noon, as an integer
  EXPECT_EQ(encode(V::of_integer(-1), julian),
            "ERROR: value -1 is not a Julian day number SQLite accepts (0 to 5373484.5)");
  EXPECT_EQ(encode(V::of_text("2000-01-01 00:00:00.1234567"), "timestamp"),
            "ERROR: value '2000-01-01 00:00:00.1234567' has digits below a microsecond, which "
            "PostgreSQL cannot hold");
  EXPECT_EQ(encode(V::of_text("2000-01-01 00:00:00.1234560"), "timestamp"), "000000000001e240");
  EXPECT_EQ(encode(V::of_text("2000-01-01 24:00:00"), "timestamp"),
            "ERROR: value '2000-01-01 24:00:00' is not an ISO-8601 date/time (hour out of range)");
  EXPECT_EQ(encode(V::of_real(-1.0), "timestamp"),
            "ERROR: value -1.0 is not a Julian day number SQLite accepts (0 to 5373484.5)");
  EXPECT_EQ(encode(V::of_integer(INT64_MAX), "timestamp"),
            "ERROR: value 9223372036854775807 is out of range as Unix epoch seconds");
}

TEST(SqliteValueEncoder, TimestamptzTakesNaiveTextInTheGivenZone) {
  ColumnTarget zoned = target("timestamptz");
  zoned.naive_utc_offset_seconds = 3600;  // +01:00
  EXPECT_EQ(encode(V::of_text("2000-01-01 01:00:00"), zoned), "0000000000000000");
  EXPECT_EQ(encode(V::of_text("2000-01-01 00:00:00Z"), zoned), "0000000000000000");
  EXPECT_EQ(encode(V::of_text("2000-01-01 00:00:00"), "timestamptz"), "0000000000000000");
}

TEST(SqliteValueEncoder, JsonbIsCanonicalText) {
  std::vector<std::byte> out;
  ASSERT_TRUE(encode_value(V::of_text(R"({"b":1, "a":[1,2.50,1e2], "a":{"x":null}})"),
                           target("jsonb"), out));
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0], std::byte{1});  // jsonb binary format version
  EXPECT_EQ(text_of(out, 1), R"({"a": {"x": null}, "b": 1})");
  out.clear();
  ASSERT_TRUE(encode_value(V::of_integer(42), target("jsonb"), out));
  EXPECT_EQ(hex(out), "013432");
  EXPECT_EQ(encode(V::of_text(""), "jsonb"),
            "ERROR: value '' is not valid JSON: unexpected end of input");
  EXPECT_EQ(encode(V::of_text("{\"a\":}"), "jsonb"),
            "ERROR: value '{\"a\":}' is not valid JSON: unexpected token");
  // json keeps the text as written.
  out.clear();
  ASSERT_TRUE(encode_value(V::of_text(R"({"b":1,  "a":2})"), target("json"), out));
  EXPECT_EQ(text_of(out), R"({"b":1,  "a":2})");
}

TEST(SqliteJsonbText, MatchesJsonbOut) {
  auto canonical = [](std::string_view json) {
    auto text = canonical_jsonb_text(json);
    return text ? *text : "ERROR: " + text.error().message;
  };
  EXPECT_EQ(canonical(" [ ] "), "[]");
  EXPECT_EQ(canonical("{}"), "{}");
  EXPECT_EQ(canonical("\"x\""), "\"x\"");
  EXPECT_EQ(canonical(R"({"aa":1,"b":2,"a":3})"), R"({"a": 3, "b": 2, "aa": 1})");
  EXPECT_EQ(canonical("[-0, -0.0, 1E-2, 0.1e1, 1.0e1, 1.00e1]"), "[0, 0.0, 0.01, 1, 10, 10.0]");
  EXPECT_EQ(canonical(R"("\u00e9\n\/\u001f\ud83d\ude00")"), "\"é\\n/\\u001f😀\"");
  EXPECT_EQ(canonical("[true,false,null,{\"k\":[[]]}]"), "[true, false, null, {\"k\": [[]]}]");
  EXPECT_EQ(canonical(R"("\u0000")"),
            "ERROR: is not valid JSON: \\u0000 cannot be stored in jsonb");
  EXPECT_EQ(canonical("01"), "ERROR: is not valid JSON: bad number");
  EXPECT_EQ(canonical("1 2"), "ERROR: is not valid JSON: unexpected data after the JSON value");
  EXPECT_EQ(canonical("[1,]"), "ERROR: is not valid JSON: unexpected token");
  EXPECT_EQ(canonical("\"a\tb\""),
            "ERROR: is not valid JSON: control character in a string must be escaped");
  EXPECT_EQ(canonical("\"\\ud800\""),
            "ERROR: is not valid JSON: lone high surrogate in \\u escape");
  EXPECT_TRUE(validate_json(R"("\u0000")"));
  EXPECT_FALSE(validate_json("{"));
}

TEST(SqliteJsonbText, OnePassPathAgreesWithTheParserOrStepsAside) {
  // Answered in one pass, exactly as the full parser prints them.
  for (std::string_view json :
       {R"({"user": 9984, "page": "/posts/591", "ms": 676})", "[]", "{}", " 42 ", "-7", "0",
        R"([true, false, null, "x", {"b": [1, {"d": 2, "c": 3}], "a": {}}])",
        "{\"é\": 1, \"z\": 2, \"ab\": 3}", "12345678901234567890123", "1.5", "-0.50", "992.61",
        "0.0", R"({"amount": 10.10, "user": 7})", R"("a\nb\t\"c\"\\")", R"("http:\/\/x")",
        R"({"msg": "failed: \"x\"", "code": 404})"}) {
    auto fast = fast_canonical_jsonb_text(json);
    auto full = parsed_canonical_jsonb_text(json);
    ASSERT_TRUE(fast.has_value()) << json;
    ASSERT_TRUE(full.has_value()) << json;
    EXPECT_EQ(*fast, *full) << json;
  }
  EXPECT_EQ(*fast_canonical_jsonb_text(R"({"user":1,"page":"p","ms":2})"),
            R"({"ms": 2, "page": "p", "user": 1})");
  EXPECT_EQ(*fast_canonical_jsonb_text(R"(["\/", 1.50])"), R"(["/", 1.50])");
  // Left to the full parser: \u escapes, escaped keys, exponents, negative zero, duplicate keys,
  // bad syntax.
  for (std::string_view json :
       {R"("\u00e9")", R"({"a\n":1})", "1e2", "1.5E3", "-0", "-0.00", R"({"a":1,"a":2})", "[1,]",
        "01", "1.", ".5", "{\"a\" 1}", "tru", "\"open", "[1] x", R"("a\x")", "\"a\\"}) {
    EXPECT_FALSE(fast_canonical_jsonb_text(json).has_value()) << json;
  }
}

TEST(SqliteValueEncoder, Uuids) {
  const std::string expected = "a0eebc999c0b4ef8bb6d6bb9bd380a11";
  EXPECT_EQ(encode(V::of_text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), "uuid"), expected);
  EXPECT_EQ(encode(V::of_text("A0EEBC999C0B4EF8BB6D6BB9BD380A11"), "uuid"), expected);
  EXPECT_EQ(encode(V::of_text("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}"), "uuid"), expected);
  EXPECT_EQ(encode(V::of_blob(std::string_view("\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9"
                                               "\xbd\x38\x0a\x11",
                                               16)),
                   "uuid"),
            expected);
  EXPECT_EQ(encode(V::of_text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"), "uuid"),
            "ERROR: value 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1' is not a UUID");
  EXPECT_EQ(encode(V::of_blob("short"), "uuid"),
            "ERROR: value x'73686f7274' is a blob but not of 16 bytes");
}

TEST(SqliteValueEncoder, CopyFieldsAndPolicies) {
  std::vector<std::byte> out = {std::byte{0x55}};
  auto null = append_copy_field(V::null(), target("bigint"), OnTypeError::kFail, out);
  ASSERT_TRUE(null);
  EXPECT_EQ(*null, FieldOutcome::kNull);
  EXPECT_EQ(hex(out), "55ffffffff");

  out.clear();
  auto encoded = append_copy_field(V::of_integer(7), target("integer"), OnTypeError::kFail, out);
  ASSERT_TRUE(encoded);
  EXPECT_EQ(*encoded, FieldOutcome::kEncoded);
  EXPECT_EQ(hex(out), "0000000400000007");

  out = {std::byte{0x55}};
  auto refused = append_copy_field(V::of_text("x"), target("integer"), OnTypeError::kFail, out);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "value 'x' is not an integer");
  EXPECT_EQ(hex(out), "55");  // left as it was

  auto text_policy = append_copy_field(V::of_text("x"), target("integer"), OnTypeError::kText, out);
  EXPECT_FALSE(text_policy);  // applied per column at plan time, not per value

  auto nulled = append_copy_field(V::of_text("x"), target("integer"), OnTypeError::kNull, out);
  ASSERT_TRUE(nulled);
  EXPECT_EQ(*nulled, FieldOutcome::kReplacedByNull);
  EXPECT_EQ(hex(out), "55ffffffff");

  ColumnTarget not_null = target("integer");
  not_null.nullable = false;
  out.clear();
  auto impossible = append_copy_field(V::of_text("x"), not_null, OnTypeError::kNull, out);
  ASSERT_FALSE(impossible);
  EXPECT_NE(impossible.error().message.find("NOT NULL"), std::string::npos);
  EXPECT_TRUE(out.empty());

  EXPECT_EQ(*parse_on_type_error("null"), OnTypeError::kNull);
  EXPECT_EQ(*parse_on_type_error("fail"), OnTypeError::kFail);
  EXPECT_EQ(*parse_on_type_error("text"), OnTypeError::kText);
  EXPECT_EQ(parse_on_type_error("skip").error().kind, ErrorKind::kUsage);
}

TEST(SqliteValueEncoder, MessagesShowAShortenedValue) {
  std::string long_text(200, 'z');
  std::string message = encode(V::of_text(long_text), "bigint");
  EXPECT_EQ(message,
            "ERROR: value '" + std::string(60, 'z') + "'... (200 bytes) is not an integer");
  EXPECT_EQ(describe_value(V::of_text("it's\n")), "'it''s\\n'");
  EXPECT_EQ(describe_value(V::of_real(1e300)), "1e+300");
  std::string long_blob(40, '\x01');
  std::string thirty_bytes;
  for (int i = 0; i < 30; ++i) thirty_bytes += "01";
  EXPECT_EQ(describe_value(V::of_blob(long_blob)), "x'" + thirty_bytes + "'... (40 bytes)");
  // Truncation never splits a UTF-8 sequence.
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "é";
  std::string shown = describe_value(V::of_text(accents));
  std::string expected = "'";  // appended: GCC 12 warns falsely on "literal" + string here
  expected += accents.substr(0, 60);
  EXPECT_EQ(shown.substr(0, 61), expected);
}

TEST(SqliteEpochUnit, DecidesByMagnitude) {
  std::vector<std::int64_t> seconds = {0, 1700000000, 946684800};
  EXPECT_EQ(decide_epoch_unit(seconds)->value(), EpochUnit::kSeconds);
  std::vector<std::int64_t> millis = {1700000000000, 0, 946684800000};
  EXPECT_EQ(decide_epoch_unit(millis)->value(), EpochUnit::kMilliseconds);
  std::vector<std::int64_t> zeros = {0, 0};
  EXPECT_FALSE(decide_epoch_unit(zeros)->has_value());
  EXPECT_FALSE(decide_epoch_unit({})->has_value());
  std::vector<std::int64_t> threshold = {kEpochMillisecondsThreshold};
  EXPECT_EQ(decide_epoch_unit(threshold)->value(), EpochUnit::kSeconds);
  // Integers among Julian-day REALs are whole Julian days (SQLite stored an exact noon so).
  std::vector<std::int64_t> noon = {2451545};
  EXPECT_EQ(decide_epoch_unit(noon, 3)->value(), EpochUnit::kJulianDays);
  EXPECT_EQ(decide_epoch_unit({}, 1)->value(), EpochUnit::kJulianDays);
  std::vector<std::int64_t> epoch = {1700000000};
  auto julian_mix = decide_epoch_unit(epoch, 1);
  ASSERT_FALSE(julian_mix);
  EXPECT_NE(julian_mix.error().message.find("1700000000"), std::string::npos);
  std::vector<std::int64_t> mixed = {1700000000, 5, 1700000000000};
  auto decided = decide_epoch_unit(mixed);
  ASSERT_FALSE(decided);
  EXPECT_NE(decided.error().message.find("1700000000 and 1700000000000"), std::string::npos)
      << decided.error().message;
}

TEST(SqliteDatetime, CivilDaysAndFormatting) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 1, 1), kUnixToPgEpochDays);
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days_from_civil(-43, 3, 15), year, month, day);
  EXPECT_EQ(year, -43);
  EXPECT_EQ(month, 3u);
  EXPECT_EQ(day, 15u);
  EXPECT_EQ(format_timestamp(1500000), "2000-01-01 00:00:01.5");
  EXPECT_EQ(format_timestamp(-1), "1999-12-31 23:59:59.999999");
  EXPECT_EQ(format_date(1), "2000-01-02");
  EXPECT_EQ(
      format_date(static_cast<std::int32_t>(days_from_civil(-43, 3, 15) - kUnixToPgEpochDays)),
      "0044-03-15 BC");
  EXPECT_EQ(format_date(kDateInfinity), "infinity");
}

TEST(SqlitePgLiteral, TypedLiteralsReadBackAsTheSameValue) {
  auto literal = [](const SqliteValue& value, std::string_view type) {
    auto text = typed_literal(value, target(type));
    return text ? *text : "ERROR: " + text.error().message;
  };
  EXPECT_EQ(literal(V::of_integer(0), "boolean"), "false");
  EXPECT_EQ(literal(V::of_integer(-3), "bigint"), "-3");
  EXPECT_EQ(literal(V::of_text("1.5"), "numeric(10,2)"), "1.50");
  EXPECT_EQ(literal(V::of_real(0.5), "double precision"), "'0.5'::double precision");
  EXPECT_EQ(literal(V::of_text("it's"), "text"), "'it''s'::text");
  EXPECT_EQ(literal(V::of_blob(std::string_view("\x00\xab", 2)), "bytea"), "'\\x00ab'::bytea");
  EXPECT_EQ(literal(V::of_text("2024-02-29"), "date"), "'2024-02-29'::date");
  EXPECT_EQ(literal(V::of_text("2024-02-29 10:00:00.25"), "timestamp"),
            "'2024-02-29 10:00:00.25'::timestamp without time zone");
  EXPECT_EQ(literal(V::of_text("2024-02-29 10:00:00Z"), "timestamptz"),
            "'2024-02-29 10:00:00+00'::timestamp with time zone");
  EXPECT_EQ(literal(V::of_text("{ }"), "jsonb"), "'{}'::jsonb");
  EXPECT_EQ(literal(V::of_text("A0EEBC999C0B4EF8BB6D6BB9BD380A11"), "uuid"),
            "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid");
  EXPECT_EQ(literal(V::null(), "text"), "NULL");
  EXPECT_EQ(literal(V::of_text("x"), "integer"), "ERROR: value 'x' is not an integer");
}

}  // namespace
}  // namespace pgshift::sqlite
