// CopyBinaryParser and for_each_field over hand-built binary COPY streams: framing, consumed byte
// counts, incremental feeding split at every byte, and every rejection the parser promises.
#include "engine/model/copy_binary.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <set>
#include <string>

#include "tests/unit/wire_bytes.hpp"

namespace pgshift::pg {
namespace {

using wire::Bytes;
using wire::copy_header;
using wire::copy_stream;
using wire::copy_trailer;
using wire::copy_tuple;
using wire::Field;
using wire::text;

struct Outcome {
  std::vector<Bytes> tuples;
  bool ok = true;
  std::string error;
  std::size_t consumed = 0;
};

// One parse call over `bytes`, collecting copies of the reported tuples.
Outcome parse_once(CopyBinaryParser& parser, Bytes bytes) {
  Outcome outcome;
  auto result = parser.parse(std::span<std::byte>(bytes), [&](std::span<std::byte> tuple) {
    outcome.tuples.emplace_back(tuple.begin(), tuple.end());
  });
  if (result) {
    outcome.consumed = *result;
  } else {
    outcome.ok = false;
    outcome.error = result.error().message;
    EXPECT_EQ(result.error().kind, ErrorKind::kRuntime);
  }
  return outcome;
}

Outcome parse_all(const Bytes& stream, int expect_fields = -1) {
  CopyBinaryParser parser;
  if (expect_fields >= 0) parser.expect_fields(expect_fields);
  return parse_once(parser, stream);
}

// Feeds `stream` in pieces cut at `cuts` the way the caller does: the unconsumed tail of the last
// call, extended with the next piece. Stops at the first error.
Outcome parse_in_pieces(const Bytes& stream, const std::vector<std::size_t>& cuts,
                        CopyBinaryParser* parser_out = nullptr) {
  CopyBinaryParser local;
  CopyBinaryParser& parser = parser_out ? *parser_out : local;
  Outcome total;
  Bytes pending;
  std::size_t from = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(stream.size());
  for (std::size_t end : ends) {
    pending.insert(pending.end(), stream.begin() + static_cast<std::ptrdiff_t>(from),
                   stream.begin() + static_cast<std::ptrdiff_t>(end));
    from = end;
    auto step = parse_once(parser, pending);
    total.tuples.insert(total.tuples.end(), step.tuples.begin(), step.tuples.end());
    if (!step.ok) {
      total.ok = false;
      total.error = step.error;
      return total;
    }
    EXPECT_LE(step.consumed, pending.size());
    total.consumed += step.consumed;
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(step.consumed));
  }
  return total;
}

// A stream with NULLs, empty values, a zero-field tuple and a long value.
std::vector<Bytes> sample_tuples() {
  return {
      copy_tuple({text("1"), text("alice"), std::nullopt}),
      copy_tuple({text("2"), text(""), text("x")}),
      copy_tuple({}),
      copy_tuple({std::nullopt, std::nullopt, std::nullopt}),
      copy_tuple({text("3"), text(std::string(300, 'z')), text("\xff\xff")}),
  };
}

TEST(CopyBinaryParser, ReportsEveryTupleExactlyAndConsumesTheWholeStream) {
  auto tuples = sample_tuples();
  auto stream = copy_stream(tuples);
  CopyBinaryParser parser;
  auto outcome = parse_once(parser, stream);
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.consumed, stream.size());
  EXPECT_EQ(outcome.tuples, tuples);
  EXPECT_EQ(parser.tuples(), tuples.size());
  EXPECT_EQ(parser.phase(), CopyBinaryParser::Phase::kDone);
}

TEST(CopyBinaryParser, EmptyTableIsHeaderAndTrailer) {
  CopyBinaryParser parser;
  auto outcome = parse_once(parser, copy_stream({}));
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_TRUE(outcome.tuples.empty());
  EXPECT_EQ(outcome.consumed, kCopyHeaderFixedBytes + 2);
  EXPECT_EQ(parser.phase(), CopyBinaryParser::Phase::kDone);
}

TEST(CopyBinaryParser, WaitsForTheWholeFixedHeader) {
  auto header = copy_header();
  ASSERT_EQ(header.size(), kCopyHeaderFixedBytes);
  for (std::size_t size = 0; size < header.size(); ++size) {
    CopyBinaryParser parser;
    auto outcome = parse_once(parser, Bytes(header.begin(), header.begin() + size));
    ASSERT_TRUE(outcome.ok) << "prefix " << size << ": " << outcome.error;
    EXPECT_EQ(outcome.consumed, 0u) << "prefix " << size;
    EXPECT_EQ(parser.phase(), CopyBinaryParser::Phase::kHeader);
  }
  CopyBinaryParser parser;
  auto outcome = parse_once(parser, header);
  ASSERT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.consumed, kCopyHeaderFixedBytes);
  EXPECT_EQ(parser.phase(), CopyBinaryParser::Phase::kTuples);
}

TEST(CopyBinaryParser, StopsAtTheStartOfAnIncompleteTuple) {
  auto tuples = sample_tuples();
  Bytes stream = copy_header();
  std::vector<std::size_t> boundaries = {stream.size()};
  for (const auto& tuple : tuples) {
    wire::append(stream, tuple);
    boundaries.push_back(stream.size());
  }
  // Every prefix that ends inside tuple i consumes exactly up to the end of tuple i-1.
  for (std::size_t i = 0; i + 1 < boundaries.size(); ++i) {
    for (std::size_t end = boundaries[i]; end < boundaries[i + 1]; ++end) {
      CopyBinaryParser parser;
      auto outcome = parse_once(parser, Bytes(stream.begin(), stream.begin() + end));
      ASSERT_TRUE(outcome.ok) << outcome.error;
      EXPECT_EQ(outcome.consumed, boundaries[i]) << "prefix " << end;
      EXPECT_EQ(outcome.tuples.size(), i) << "prefix " << end;
      EXPECT_EQ(parser.phase(), CopyBinaryParser::Phase::kTuples);
    }
  }
}

TEST(CopyBinaryParser, TrailerSplitInTheMiddleIsNotTheEnd) {
  auto stream = copy_stream({copy_tuple({text("a")})});
  CopyBinaryParser parser;
  auto outcome = parse_once(parser, Bytes(stream.begin(), stream.end() - 1));
  ASSERT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.consumed, stream.size() - 2);
  EXPECT_EQ(parser.phase(), CopyBinaryParser::Phase::kTuples);
}

TEST(CopyBinaryParser, SplitAtEveryByteBoundaryMatchesOneShot) {
  auto tuples = sample_tuples();
  auto stream = copy_stream(tuples);
  auto whole = parse_all(stream);
  ASSERT_TRUE(whole.ok);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    CopyBinaryParser parser;
    auto split = parse_in_pieces(stream, {cut}, &parser);
    ASSERT_TRUE(split.ok) << "cut " << cut << ": " << split.error;
    EXPECT_EQ(split.tuples, tuples) << "cut " << cut;
    EXPECT_EQ(split.consumed, stream.size()) << "cut " << cut;
    EXPECT_EQ(parser.tuples(), tuples.size()) << "cut " << cut;
    EXPECT_EQ(parser.phase(), CopyBinaryParser::Phase::kDone) << "cut " << cut;
  }
}

TEST(CopyBinaryParser, EveryPairOfCutsMatchesOneShot) {
  auto tuples = sample_tuples();
  tuples.resize(3);  // keep the quadratic loop short
  auto stream = copy_stream(tuples);
  for (std::size_t first = 0; first <= stream.size(); ++first) {
    for (std::size_t second = first; second <= stream.size(); ++second) {
      auto split = parse_in_pieces(stream, {first, second});
      ASSERT_TRUE(split.ok) << first << "/" << second << ": " << split.error;
      ASSERT_EQ(split.tuples, tuples) << first << "/" << second;
      ASSERT_EQ(split.consumed, stream.size()) << first << "/" << second;
    }
  }
}

TEST(CopyBinaryParser, ByteAtATimeMatchesOneShotAndConsumesOnlyAtBoundaries) {
  auto tuples = sample_tuples();
  auto stream = copy_stream(tuples);
  std::set<std::size_t> boundaries = {0, kCopyHeaderFixedBytes};
  std::size_t at = kCopyHeaderFixedBytes;
  for (const auto& tuple : tuples) boundaries.insert(at += tuple.size());
  boundaries.insert(stream.size());

  CopyBinaryParser parser;
  Bytes pending;
  std::size_t consumed = 0;
  std::vector<Bytes> seen;
  for (std::byte byte : stream) {
    pending.push_back(byte);
    auto step = parse_once(parser, pending);
    ASSERT_TRUE(step.ok) << step.error;
    seen.insert(seen.end(), step.tuples.begin(), step.tuples.end());
    consumed += step.consumed;
    EXPECT_TRUE(boundaries.count(consumed)) << "consumed " << consumed << " is mid-tuple";
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(step.consumed));
  }
  EXPECT_EQ(seen, tuples);
  EXPECT_TRUE(pending.empty());
  EXPECT_EQ(parser.phase(), CopyBinaryParser::Phase::kDone);
}

TEST(CopyBinaryParser, SkipsHeaderExtension) {
  // Extension bytes that would look like a trailer and a tuple if they were parsed as tuples.
  Bytes extension = {std::byte{0xff}, std::byte{0xff}, std::byte{0x00}, std::byte{0x01},
                     std::byte{0x00}, std::byte{0x00}, std::byte{0x00}};
  auto tuple = copy_tuple({text("v")});
  Bytes stream = copy_header(0, extension);
  wire::append(stream, tuple);
  wire::append(stream, copy_trailer());

  auto whole = parse_all(stream);
  ASSERT_TRUE(whole.ok) << whole.error;
  ASSERT_EQ(whole.tuples.size(), 1u);
  EXPECT_EQ(whole.tuples[0], tuple);
  EXPECT_EQ(whole.consumed, stream.size());

  // Until the whole extension is there, nothing is consumed.
  for (std::size_t size = kCopyHeaderFixedBytes; size < kCopyHeaderFixedBytes + extension.size();
       ++size) {
    CopyBinaryParser parser;
    auto outcome = parse_once(parser, Bytes(stream.begin(), stream.begin() + size));
    ASSERT_TRUE(outcome.ok);
    EXPECT_EQ(outcome.consumed, 0u) << "prefix " << size;
    EXPECT_EQ(parser.phase(), CopyBinaryParser::Phase::kHeader);
  }
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    auto split = parse_in_pieces(stream, {cut});
    ASSERT_TRUE(split.ok) << "cut " << cut << ": " << split.error;
    EXPECT_EQ(split.tuples, whole.tuples) << "cut " << cut;
  }
}

TEST(CopyBinaryParser, RejectsAnAbsurdHeaderExtension) {
  Bytes header = copy_header();
  header[15] = std::byte{0x00};
  header[16] = std::byte{0x10};  // 1 MiB + 1
  header[17] = std::byte{0x00};
  header[18] = std::byte{0x01};
  auto outcome = parse_all(header);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.error.find("header"), std::string::npos) << outcome.error;
}

TEST(CopyBinaryParser, RejectsEveryCorruptedSignatureByte) {
  auto stream = copy_stream({copy_tuple({text("a")})});
  for (std::size_t i = 0; i < sizeof kCopySignature; ++i) {
    Bytes bad = stream;
    bad[i] ^= std::byte{0x20};
    auto outcome = parse_all(bad);
    EXPECT_FALSE(outcome.ok) << "byte " << i;
    EXPECT_NE(outcome.error.find("signature"), std::string::npos) << outcome.error;
    EXPECT_TRUE(outcome.tuples.empty());
  }
}

TEST(CopyBinaryParser, RejectsATextCopyStream) {
  auto outcome = parse_all(text("1\talice\t\\N\n2\tbob\t\\N\n\\.\n"));
  EXPECT_FALSE(outcome.ok);
}

TEST(CopyBinaryParser, RejectsFieldLengthBelowMinusOne) {
  for (std::int32_t length : {-2, -100, std::numeric_limits<std::int32_t>::min()}) {
    Bytes stream = copy_header();
    wire::append(stream, copy_tuple({text("ok")}));
    wire::put_u16(stream, 1);
    wire::put_i32(stream, length);
    wire::append(stream, copy_trailer());
    auto outcome = parse_all(stream);
    EXPECT_FALSE(outcome.ok) << "length " << length;
    EXPECT_NE(outcome.error.find("negative field length"), std::string::npos) << outcome.error;
    EXPECT_EQ(outcome.tuples.size(), 1u) << "the tuple before the bad one is still reported";
  }
}

TEST(CopyBinaryParser, RejectsNegativeFieldCountOtherThanTrailer) {
  Bytes stream = copy_header();
  wire::put_u16(stream, 0xfffe);  // -2
  auto outcome = parse_all(stream);
  EXPECT_FALSE(outcome.ok);
}

TEST(CopyBinaryParser, RejectsDataAfterTrailer) {
  auto stream = copy_stream({copy_tuple({text("a")})});
  Bytes longer = stream;
  longer.push_back(std::byte{0});
  auto outcome = parse_all(longer);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.error.find("after trailer"), std::string::npos) << outcome.error;

  // Same when the extra byte arrives in a later call than the trailer.
  CopyBinaryParser parser;
  auto first = parse_once(parser, stream);
  ASSERT_TRUE(first.ok);
  ASSERT_EQ(first.consumed, stream.size());
  EXPECT_TRUE(parse_once(parser, Bytes{}).ok) << "an empty call after the end is fine";
  auto second = parse_once(parser, Bytes{std::byte{0}});
  EXPECT_FALSE(second.ok);

  // And whatever the split.
  for (std::size_t cut = 0; cut <= longer.size(); ++cut) {
    EXPECT_FALSE(parse_in_pieces(longer, {cut}).ok) << "cut " << cut;
  }
}

TEST(CopyBinaryParser, ExpectFieldsRejectsOtherCounts) {
  auto stream = copy_stream({copy_tuple({text("1"), text("a")}), copy_tuple({text("2")})});
  auto matching = parse_all(copy_stream({copy_tuple({text("1"), text("a")})}), 2);
  EXPECT_TRUE(matching.ok) << matching.error;

  auto outcome = parse_all(stream, 2);
  ASSERT_FALSE(outcome.ok);
  EXPECT_NE(outcome.error.find("1 fields, expected 2"), std::string::npos) << outcome.error;
  EXPECT_EQ(outcome.tuples.size(), 1u);

  auto more = parse_all(copy_stream({copy_tuple({text("1"), text("a"), text("x")})}), 2);
  EXPECT_FALSE(more.ok);
  // The trailer is not a tuple: expecting fields does not reject it.
  EXPECT_TRUE(parse_all(copy_stream({}), 3).ok);
}

TEST(CopyBinaryParser, TupleSpansAreMutableViewsIntoTheCallersBuffer) {
  auto stream = copy_stream({copy_tuple({text("abc")})});
  CopyBinaryParser parser;
  auto result = parser.parse(std::span<std::byte>(stream), [&](std::span<std::byte> tuple) {
    EXPECT_GE(tuple.data(), stream.data());
    EXPECT_LE(tuple.data() + tuple.size(), stream.data() + stream.size());
    tuple[tuple.size() - 1] = std::byte{'Z'};  // patch in place, as the OID remapper does
  });
  ASSERT_TRUE(result);
  EXPECT_EQ(stream[stream.size() - 3], std::byte{'Z'});
}

struct Visited {
  int index;
  Bytes value;
  bool is_null;
  bool operator==(const Visited&) const = default;
};

std::vector<Visited> visit_all(Bytes tuple, Status* status_out = nullptr) {
  std::vector<Visited> out;
  auto status = for_each_field(std::span<std::byte>(tuple),
                               [&](int index, std::span<std::byte> value, bool is_null) {
                                 out.push_back({index, Bytes(value.begin(), value.end()), is_null});
                               });
  if (status_out) *status_out = status;
  return out;
}

TEST(ForEachField, VisitsValuesAndNullsInOrder) {
  Status status;
  auto visited = visit_all(copy_tuple({text("1"), std::nullopt, text(""), text("xyz")}), &status);
  ASSERT_TRUE(status);
  std::vector<Visited> expected = {
      {0, text("1"), false}, {1, {}, true}, {2, {}, false}, {3, text("xyz"), false}};
  EXPECT_EQ(visited, expected);
}

TEST(ForEachField, ZeroFieldsVisitsNothing) {
  Status status;
  EXPECT_TRUE(visit_all(copy_tuple({}), &status).empty());
  EXPECT_TRUE(status);
}

TEST(ForEachField, VisitsEveryTupleTheParserReports) {
  auto tuples = sample_tuples();
  auto outcome = parse_all(copy_stream(tuples));
  ASSERT_TRUE(outcome.ok);
  for (std::size_t t = 0; t < outcome.tuples.size(); ++t) {
    Status status;
    auto visited = visit_all(outcome.tuples[t], &status);
    ASSERT_TRUE(status) << "tuple " << t;
    EXPECT_EQ(visited.size(), static_cast<std::size_t>(read_u16(outcome.tuples[t].data())));
  }
  auto first = visit_all(outcome.tuples[0]);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[1].value, text("alice"));
  EXPECT_TRUE(first[2].is_null);
}

TEST(ForEachField, RejectsTruncatedTuples) {
  auto tuple = copy_tuple({text("1"), text("alice")});
  for (std::size_t size = 0; size < tuple.size(); ++size) {
    Status status;
    visit_all(Bytes(tuple.begin(), tuple.begin() + size), &status);
    EXPECT_FALSE(status) << "prefix " << size;
  }
}

TEST(ForEachField, RejectsAFieldLongerThanTheTuple) {
  Bytes tuple;
  wire::put_u16(tuple, 1);
  wire::put_i32(tuple, 10);
  wire::append(tuple, text("short"));
  Status status;
  EXPECT_TRUE(visit_all(tuple, &status).empty());
  EXPECT_FALSE(status);
}

}  // namespace
}  // namespace pgshift::pg
