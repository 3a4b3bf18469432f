// The replication stream's framing and LSN text, checked against a real stream: a PostgreSQL 15.18
// server's CopyData messages for one committed INSERT and the keepalives around it, and the standby
// status update pgshift sent back, which the server took (the slot's confirmed_flush_lsn moved to
// it). tests/unit/data/capture_frames.sh captured them (it holds the SQL and the
// START_REPLICATION command) into tests/unit/data/wire_frames_captured.hpp.
#include "connectors/pg/replication/wire_frames.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "connectors/pg/replication/lsn.hpp"
#include "connectors/pg/replication/pgoutput.hpp"
#include "tests/unit/data/pgoutput_captured.hpp"
#include "tests/unit/data/wire_frames_captured.hpp"
#include "tests/unit/wire_bytes.hpp"

namespace pgshift::pg {
namespace {

using replication::Frame;
using replication::Keepalive;
using replication::parse_frame;
using replication::XLogData;
using testdata::kCapturedFrames;
using wire::Bytes;

Lsn lsn(std::string_view text) {
  auto out = Lsn::parse(text);
  if (!out) throw std::invalid_argument("not an LSN: " + std::string(text));
  return *out;
}

TEST(Lsn, ParsesWhatTheServerPrints) {
  EXPECT_EQ(Lsn::parse("16/B374D848"), Lsn{0x16'B374D848});
  EXPECT_EQ(Lsn::parse("16/b374d848"), Lsn{0x16'B374D848});
  EXPECT_EQ(Lsn::parse("0/2ED2C00"), Lsn{0x2ED2C00});
  EXPECT_EQ(Lsn::parse("FFFFFFFF/FFFFFFFF"), Lsn{~std::uint64_t{0}});
  auto zero = Lsn::parse("0/0");
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->value, 0u);
  EXPECT_FALSE(zero->valid());
  EXPECT_TRUE(Lsn{1}.valid());
}

TEST(Lsn, TextIsUpperCaseHexWithoutPadding) {
  EXPECT_EQ(Lsn{0x16'B374D848}.text(), "16/B374D848");
  EXPECT_EQ(Lsn{}.text(), "0/0");
  EXPECT_EQ(Lsn{0x1'00000000}.text(), "1/0");
  EXPECT_EQ(Lsn{~std::uint64_t{0}}.text(), "FFFFFFFF/FFFFFFFF");
  // Every lsn column of the captured peeks, as the server printed it, comes back the same.
  for (const auto& message : testdata::kPgoutputCaptured)
    EXPECT_EQ(lsn(message.lsn).text(), message.lsn);
  EXPECT_EQ(lsn(testdata::kCapturedConfirmedLsn).text(), testdata::kCapturedConfirmedLsn);
}

TEST(Lsn, RejectsAnythingElse) {
  for (const char* text : {"", "0", "/", "0/", "/0", "0/0/0", "123456789/0", "0/123456789", "G/0",
                           "0/G", "-1/0", "+1/0", " 0/0", "0/0 ", "0x1/0", "1 /0", "1/ 0"}) {
    EXPECT_FALSE(Lsn::parse(text)) << '"' << text << '"';
  }
}

TEST(Lsn, OrdersByWalPosition) {
  EXPECT_LT(lsn("0/FFFFFFFF"), lsn("1/0"));
  EXPECT_LT(lsn("0/2666158"), lsn("0/2666188"));
  EXPECT_EQ(lsn("0/ABC"), lsn("0/abc"));
}

Frame frame(std::size_t index) {
  static std::vector<Bytes> bytes = [] {
    std::vector<Bytes> out;
    for (const char* hex : kCapturedFrames) out.push_back(wire::from_hex(hex));
    return out;
  }();
  auto result = parse_frame(bytes.at(index));
  if (!result)
    throw std::runtime_error("frame " + std::to_string(index) + ": " + result.error().message);
  return *result;
}

void expect_keepalive(std::size_t index, std::string_view wal_end, std::int64_t send_time,
                      bool reply_requested) {
  SCOPED_TRACE("frame " + std::to_string(index));
  auto parsed = frame(index);
  ASSERT_TRUE(std::holds_alternative<Keepalive>(parsed));
  const auto& keepalive = std::get<Keepalive>(parsed);
  EXPECT_EQ(keepalive.wal_end, lsn(wal_end));
  EXPECT_EQ(keepalive.send_time_us, send_time);
  EXPECT_EQ(keepalive.reply_requested, reply_requested);
}

// The XLogData's header, and its payload decoded.
pgoutput::Message expect_xlogdata(std::size_t index, std::string_view wal_start,
                                  std::string_view wal_end, std::int64_t send_time) {
  auto parsed = frame(index);
  if (!std::holds_alternative<XLogData>(parsed)) throw std::runtime_error("not XLogData");
  const auto& data = std::get<XLogData>(parsed);
  EXPECT_EQ(data.wal_start, lsn(wal_start)) << "frame " << index;
  EXPECT_EQ(data.wal_end, lsn(wal_end)) << "frame " << index;
  EXPECT_EQ(data.send_time_us, send_time) << "frame " << index;
  auto message = pgoutput::decode(data.payload);
  if (!message) throw std::runtime_error(message.error().message);
  return *message;
}

TEST(WireFrames, CapturedStreamOfOneTransaction) {
  ASSERT_EQ(std::size(kCapturedFrames), 10u);
  // Keepalives while the walsender catches up, none asking for a reply.
  expect_keepalive(0, "0/2ED2AF0", 849559448774513, false);
  expect_keepalive(1, "0/2ED2AF0", 849559448774547, false);
  expect_keepalive(2, "0/2ED2AF0", 849559448779306, false);

  auto begin =
      std::get<pgoutput::Begin>(expect_xlogdata(3, "0/2ED2AF0", "0/2ED2AF0", 849559448779575));
  EXPECT_EQ(begin.final_lsn, lsn("0/2ED2BD0"));
  EXPECT_EQ(begin.commit_time_us, 849559448566335);
  EXPECT_EQ(begin.xid, 832u);

  // The server writes a Relation message with no WAL position: 0/0.
  auto relation = std::get<pgoutput::Relation>(expect_xlogdata(4, "0/0", "0/0", 849559448779655));
  EXPECT_EQ(relation.oid, 16595u);
  EXPECT_EQ(relation.schema, "public");
  EXPECT_EQ(relation.name, "t");
  ASSERT_EQ(relation.columns.size(), 2u);
  EXPECT_EQ(relation.columns[1].name, "label");

  auto insert =
      std::get<pgoutput::Insert>(expect_xlogdata(5, "0/2ED2AF0", "0/2ED2AF0", 849559448779696));
  EXPECT_EQ(insert.relation, 16595u);
  ASSERT_EQ(insert.new_tuple.size(), 2u);
  EXPECT_EQ(insert.new_tuple[0].data, "1");
  EXPECT_EQ(insert.new_tuple[1].data, "one");

  // The Commit's XLogData starts at the end of the commit record.
  auto commit =
      std::get<pgoutput::Commit>(expect_xlogdata(6, "0/2ED2C00", "0/2ED2C00", 849559448779702));
  EXPECT_EQ(commit.commit_lsn, lsn("0/2ED2BD0"));
  EXPECT_EQ(commit.end_lsn, lsn("0/2ED2C00"));
  EXPECT_EQ(commit.commit_time_us, 849559448566335);

  expect_keepalive(7, "0/2ED2C00", 849559448779724, false);
  expect_keepalive(8, "0/2ED2C00", 849559450776769, false);
  // Half of wal_sender_timeout (4 s) without a status update from the client.
  expect_keepalive(9, "0/2ED2C00", 849559450776833, true);
}

// What pgshift sent back acknowledging the Commit's end LSN, and the server then showed as the
// slot's confirmed_flush_lsn.
TEST(WireFrames, StandbyStatusTheServerAccepted) {
  auto sent = wire::from_hex(testdata::kCapturedStandbyStatus);
  ASSERT_EQ(sent.size(), 34u);
  std::int64_t sent_time = 0;
  for (std::size_t i = 25; i < 33; ++i)
    sent_time = (sent_time << 8) | static_cast<std::uint8_t>(sent[i]);
  EXPECT_EQ(sent_time, 849559450776919);
  auto confirmed = lsn(testdata::kCapturedConfirmedLsn);
  EXPECT_EQ(confirmed, lsn("0/2ED2C00"));
  EXPECT_EQ(replication::standby_status(confirmed, confirmed, confirmed, sent_time), sent);
}

TEST(WireFrames, StandbyStatusLayout) {
  auto bytes = replication::standby_status(Lsn{0x0102030405060708}, Lsn{0x1112131415161718},
                                           Lsn{0x2122232425262728}, -2, true);
  EXPECT_EQ(bytes, wire::from_hex("72"
                                  "0102030405060708"
                                  "1112131415161718"
                                  "2122232425262728"
                                  "fffffffffffffffe"
                                  "01"));
}

std::string error_of(const Bytes& bytes) {
  auto result = parse_frame(bytes);
  return result ? "(parsed)" : result.error().message;
}

TEST(WireFrames, TruncatedHeadersAreErrors) {
  EXPECT_EQ(error_of({}), "replication stream: empty CopyData message");
  auto xlogdata = wire::from_hex(kCapturedFrames[3]);
  auto keepalive = wire::from_hex(kCapturedFrames[9]);
  for (std::size_t size = 1; size < 25; ++size) {
    Bytes cut(xlogdata.begin(), xlogdata.begin() + static_cast<std::ptrdiff_t>(size));
    EXPECT_EQ(error_of(cut).rfind("replication stream: XLogData header: ", 0), 0u) << size;
  }
  for (std::size_t size = 1; size < 18; ++size) {
    Bytes cut(keepalive.begin(), keepalive.begin() + static_cast<std::ptrdiff_t>(size));
    EXPECT_EQ(error_of(cut).rfind("replication stream: keepalive: ", 0), 0u) << size;
  }
  EXPECT_EQ(error_of(Bytes(xlogdata.begin(), xlogdata.begin() + 20)),
            "replication stream: XLogData header: send time: truncated, needs 8 bytes, 3 left (at "
            "byte 17)");
  EXPECT_EQ(error_of(Bytes(keepalive.begin(), keepalive.begin() + 17)),
            "replication stream: keepalive: reply requested: truncated, needs 1 bytes, 0 left (at "
            "byte 17)");
}

TEST(WireFrames, XLogDataMayCarryNothing) {
  auto header = wire::from_hex(kCapturedFrames[3]);
  header.resize(25);
  auto parsed = parse_frame(header);
  ASSERT_TRUE(parsed);
  const auto& data = std::get<XLogData>(*parsed);
  EXPECT_EQ(data.wal_start, lsn("0/2ED2AF0"));
  EXPECT_TRUE(data.payload.empty());
}

TEST(WireFrames, UnknownFrameType) {
  EXPECT_EQ(error_of(wire::from_hex("72000000")), "replication stream: unknown message type 0x72");
  EXPECT_EQ(error_of(wire::from_hex("ff")), "replication stream: unknown message type 0xff");
}

TEST(WireFrames, PostgresEpoch) {
  using namespace std::chrono;
  auto epoch = sys_days{year{2000} / January / 1};
  EXPECT_EQ(replication::kPostgresEpochOffsetMicros,
            duration_cast<microseconds>(epoch.time_since_epoch()).count());
  auto now = replication::postgres_now_us();
  auto unix_now = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  EXPECT_LT(std::abs(unix_now - replication::kPostgresEpochOffsetMicros - now), 60'000'000);
  EXPECT_GT(now, 849559450776919);  // after the capture
}

}  // namespace
}  // namespace pgshift::pg
