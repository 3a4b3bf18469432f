// pgoutput decoding (protocol version 1) of messages a PostgreSQL 15.18 server sent:
// tests/unit/data/capture_pgoutput.sh ran the SQL of each step (it is in the script: inserts,
// updates with and without a key change, REPLICA IDENTITY FULL, an untouched 100 kB TOASTed value,
// NULLs, deletes, TRUNCATE with CASCADE and RESTART IDENTITY, logical messages, an enum type, ADD
// COLUMN, a replication origin, binary mode) and read each step's messages with
//   SELECT lsn, xid, data FROM pg_logical_slot_peek_binary_changes('capture', NULL, NULL,
//     'proto_version', '1', 'publication_names', 'pub', 'messages', 'true')
// into tests/unit/data/pgoutput_captured.hpp. Then the same messages cut short at every byte, with
// bytes added, and malformed by hand.
#include "connectors/pg/replication/pgoutput.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/unit/data/pgoutput_captured.hpp"
#include "tests/unit/wire_bytes.hpp"

namespace pgshift::pg::pgoutput {
namespace {

using Strings = std::vector<std::string>;
using testdata::kPgoutputCaptured;
using wire::Bytes;

const testdata::CapturedPgoutput& captured(std::string_view step, int index) {
  for (const auto& message : kPgoutputCaptured) {
    if (message.step == step && message.index == index) return message;
  }
  throw std::invalid_argument("no captured message " + std::string(step) + "/" +
                              std::to_string(index));
}

// The captured message, decoded. Kept for the whole run with its bytes, which its views point into.
const Message& decoded(std::string_view step, int index) {
  struct Entry {
    Bytes bytes;
    Message message;
  };
  static std::map<std::string, Entry> cache;
  auto key = std::string(step) + "/" + std::to_string(index);
  if (auto found = cache.find(key); found != cache.end()) return found->second.message;
  Entry& entry = cache[key];
  entry.bytes = wire::from_hex(captured(step, index).hex);
  auto result = decode(entry.bytes);
  if (!result) {
    cache.erase(key);
    throw std::runtime_error(key + " does not decode: " + result.error().message);
  }
  entry.message = std::move(*result);
  return entry.message;
}

template <class T>
const T& as(std::string_view step, int index) {
  const auto& message = decoded(step, index);
  if (!std::holds_alternative<T>(message)) {
    throw std::runtime_error(std::string(step) + "/" + std::to_string(index) +
                             " decoded as another message type");
  }
  return std::get<T>(message);
}

// "t:apple", "n", "u", "b:0000002a": every column's kind and bytes, so a mismatch shows them all.
Strings show(const Tuple& tuple) {
  Strings out;
  for (const auto& value : tuple) {
    std::string text(1, static_cast<char>(value.kind));
    if (value.kind == ValueKind::kBinary) {
      static constexpr char kHex[] = "0123456789abcdef";
      text += ':';
      for (unsigned char c : value.data) text += {kHex[c >> 4], kHex[c & 15]};
    } else if (value.kind == ValueKind::kText || !value.data.empty()) {
      text += ':';
      text.append(value.data);
    }
    out.push_back(text);
  }
  return out;
}

// "id 23 -1 key": name, type OID, type modifier, and whether it is in the replica identity.
Strings show(const std::vector<RelationColumn>& columns) {
  Strings out;
  for (const auto& column : columns) {
    out.push_back(std::string(column.name) + " " + std::to_string(column.type_oid) + " " +
                  std::to_string(column.type_modifier) + (column.part_of_key ? " key" : ""));
  }
  return out;
}

constexpr std::uint32_t kItems = 16527;
const Strings kItemsColumns = {"id 23 -1 key", "name 25 -1", "note 25 -1", "qty 23 -1"};

TEST(Pgoutput, EveryCapturedMessageDecodesAsItsType) {
  const std::string types = "BCORYIUDTM";  // in the order of Message's alternatives
  for (const auto& message : kPgoutputCaptured) {
    SCOPED_TRACE(std::string(message.step) + "/" + std::to_string(message.index));
    const auto& decoded_message = decoded(message.step, message.index);
    char type = static_cast<char>(wire::from_hex(message.hex).at(0));
    EXPECT_EQ(types.at(decoded_message.index()), type);
  }
}

// Each Begin matches its Commit and the peek's columns: the xid, the commit LSN and time, and the
// Commit's end LSN as the peek's lsn (what progress is acknowledged by).
TEST(Pgoutput, EveryTransactionIsFramedByMatchingBeginAndCommit) {
  const Begin* begin = nullptr;
  int transactions = 0;
  for (const auto& message : kPgoutputCaptured) {
    SCOPED_TRACE(std::string(message.step) + "/" + std::to_string(message.index));
    const auto& decoded_message = decoded(message.step, message.index);
    if (const auto* b = std::get_if<Begin>(&decoded_message)) {
      ASSERT_EQ(begin, nullptr);
      begin = b;
      EXPECT_EQ(b->xid, message.xid);
    } else if (const auto* commit = std::get_if<Commit>(&decoded_message)) {
      ASSERT_NE(begin, nullptr);
      EXPECT_EQ(commit->flags, 0);
      EXPECT_EQ(commit->commit_lsn, begin->final_lsn);
      EXPECT_EQ(commit->commit_time_us, begin->commit_time_us);
      EXPECT_EQ(commit->end_lsn, Lsn::parse(message.lsn));
      EXPECT_LT(commit->commit_lsn, commit->end_lsn);
      begin = nullptr;
      ++transactions;
    } else if (!std::holds_alternative<LogicalMessage>(decoded_message)) {
      EXPECT_NE(begin, nullptr) << "a change outside a transaction";
    }
  }
  EXPECT_EQ(begin, nullptr);
  EXPECT_EQ(transactions, 17);
}

TEST(Pgoutput, BeginAndCommit) {
  const auto& begin = as<Begin>("insert", 0);
  EXPECT_EQ(begin.final_lsn.text(), "0/2666158");
  EXPECT_EQ(begin.commit_time_us, 849559195166552);  // 2026-12-02 20:39:55.166552 UTC
  EXPECT_EQ(begin.xid, 804u);
  const auto& commit = as<Commit>("insert", 3);
  EXPECT_EQ(commit.flags, 0);
  EXPECT_EQ(commit.commit_lsn.text(), "0/2666158");
  EXPECT_EQ(commit.end_lsn.text(), "0/2666188");
  EXPECT_EQ(commit.commit_time_us, 849559195166552);
}

TEST(Pgoutput, RelationOfATableWithAPrimaryKey) {
  const auto& relation = as<Relation>("insert", 1);
  EXPECT_EQ(relation.oid, kItems);
  EXPECT_EQ(relation.schema, "public");
  EXPECT_EQ(relation.name, "items");
  EXPECT_EQ(relation.replica_identity, 'd');
  EXPECT_EQ(show(relation.columns), kItemsColumns);
}

TEST(Pgoutput, InsertWithTextAndNull) {
  const auto& insert = as<Insert>("insert", 2);
  EXPECT_EQ(insert.relation, kItems);
  EXPECT_EQ(show(insert.new_tuple), (Strings{"t:1", "t:apple", "n", "t:3"}));
}

TEST(Pgoutput, UpdateKeepingTheKeyHasNoOldTuple) {
  const auto& update = as<Update>("update_same_key", 2);
  EXPECT_EQ(update.relation, kItems);
  EXPECT_EQ(update.old_kind, 0);
  EXPECT_TRUE(update.old_tuple.empty());
  EXPECT_EQ(show(update.new_tuple), (Strings{"t:1", "t:apple", "t:ripe", "t:4"}));
}

TEST(Pgoutput, UpdateOfTheKeySendsTheOldKey) {
  const auto& update = as<Update>("update_new_key", 2);
  EXPECT_EQ(update.relation, kItems);
  EXPECT_EQ(update.old_kind, 'K');
  EXPECT_EQ(show(update.old_tuple), (Strings{"t:1", "n", "n", "n"}));
  EXPECT_EQ(show(update.new_tuple), (Strings{"t:2", "t:apple", "t:ripe", "t:4"}));
}

TEST(Pgoutput, DeleteSendsTheOldKey) {
  const auto& del = as<Delete>("delete", 2);
  EXPECT_EQ(del.relation, kItems);
  EXPECT_EQ(del.old_kind, 'K');
  EXPECT_EQ(show(del.old_tuple), (Strings{"t:2", "n", "n", "n"}));
}

TEST(Pgoutput, ReplicaIdentityFullSendsWholeOldRows) {
  const auto& relation = as<Relation>("full_identity", 1);
  EXPECT_EQ(relation.oid, 16534u);
  EXPECT_EQ(relation.schema, "public");
  EXPECT_EQ(relation.name, "full_rows");
  EXPECT_EQ(relation.replica_identity, 'f');
  EXPECT_EQ(show(relation.columns), (Strings{"id 23 -1 key", "val 25 -1 key", "extra 25 -1 key"}));

  const auto& insert = as<Insert>("full_identity", 2);
  EXPECT_EQ(insert.relation, 16534u);
  EXPECT_EQ(show(insert.new_tuple), (Strings{"t:1", "t:a", "n"}));

  const auto& update = as<Update>("full_identity", 5);
  EXPECT_EQ(update.relation, 16534u);
  EXPECT_EQ(update.old_kind, 'O');
  EXPECT_EQ(show(update.old_tuple), (Strings{"t:1", "t:a", "n"}));
  EXPECT_EQ(show(update.new_tuple), (Strings{"t:1", "t:b", "n"}));

  const auto& del = as<Delete>("full_identity", 8);
  EXPECT_EQ(del.relation, 16534u);
  EXPECT_EQ(del.old_kind, 'O');
  EXPECT_EQ(show(del.old_tuple), (Strings{"t:1", "t:b", "n"}));
}

TEST(Pgoutput, UntouchedToastedValueIsSentAsUnchanged) {
  const auto& relation = as<Relation>("toast_insert", 1);
  EXPECT_EQ(relation.oid, 16539u);
  EXPECT_EQ(relation.name, "docs");
  EXPECT_EQ(show(relation.columns), (Strings{"id 23 -1 key", "body 25 -1", "tag 25 -1"}));

  const auto& insert = as<Insert>("toast_insert", 2);
  EXPECT_EQ(insert.relation, 16539u);
  ASSERT_EQ(insert.new_tuple.size(), 3u);
  EXPECT_EQ(show({insert.new_tuple[0], insert.new_tuple[2]}), (Strings{"t:1", "t:first"}));
  EXPECT_EQ(insert.new_tuple[1].kind, ValueKind::kText);
  EXPECT_EQ(insert.new_tuple[1].data, std::string(102400, 'x'));

  const auto& update = as<Update>("toast_update", 2);
  EXPECT_EQ(update.relation, 16539u);
  EXPECT_EQ(update.old_kind, 0);
  EXPECT_EQ(show(update.new_tuple), (Strings{"t:1", "u", "t:second"}));
}

TEST(Pgoutput, UserTypeComesBeforeTheRelationUsingIt) {
  const auto& type = as<Type>("enum", 1);
  EXPECT_EQ(type.oid, 16520u);
  EXPECT_EQ(type.schema, "public");
  EXPECT_EQ(type.name, "mood");

  const auto& relation = as<Relation>("enum", 2);
  EXPECT_EQ(relation.oid, 16546u);
  EXPECT_EQ(relation.name, "feelings");
  EXPECT_EQ(show(relation.columns), (Strings{"id 23 -1 key", "m 16520 -1", "why 25 -1"}));

  const auto& insert = as<Insert>("enum", 3);
  EXPECT_EQ(insert.relation, 16546u);
  EXPECT_EQ(show(insert.new_tuple), (Strings{"t:1", "t:happy", "n"}));
}

TEST(Pgoutput, AddColumnSendsTheRelationAgain) {
  EXPECT_EQ(show(as<Relation>("add_column", 1).columns), kItemsColumns);
  EXPECT_EQ(show(as<Insert>("add_column", 2).new_tuple), (Strings{"t:3", "t:pear", "n", "t:1"}));

  const auto& relation = as<Relation>("add_column", 5);
  EXPECT_EQ(relation.oid, kItems);
  EXPECT_EQ(relation.name, "items");
  auto columns = kItemsColumns;
  columns.push_back("extra 25 -1");
  EXPECT_EQ(show(relation.columns), columns);
  const auto& insert = as<Insert>("add_column", 6);
  EXPECT_EQ(insert.relation, kItems);
  EXPECT_EQ(show(insert.new_tuple), (Strings{"t:4", "t:plum", "n", "n", "t:d"}));
}

TEST(Pgoutput, Truncate) {
  const auto& plain = as<Truncate>("truncate_plain", 2);
  EXPECT_EQ(plain.options, 0);
  EXPECT_FALSE(plain.cascade());
  EXPECT_FALSE(plain.restart_identity());
  EXPECT_EQ(plain.relations, (std::vector<std::uint32_t>{kItems}));

  EXPECT_EQ(as<Relation>("truncate_cascade", 1).name, "parent");
  EXPECT_EQ(show(as<Relation>("truncate_cascade", 1).columns), (Strings{"id 23 -1 key"}));
  EXPECT_EQ(as<Relation>("truncate_cascade", 2).name, "child");
  EXPECT_EQ(show(as<Relation>("truncate_cascade", 2).columns),
            (Strings{"id 23 -1 key", "parent_id 23 -1"}));
  const auto& cascade = as<Truncate>("truncate_cascade", 3);
  EXPECT_EQ(cascade.options, 3);
  EXPECT_TRUE(cascade.cascade());
  EXPECT_TRUE(cascade.restart_identity());
  EXPECT_EQ(cascade.relations, (std::vector<std::uint32_t>{16554, 16561}));
}

TEST(Pgoutput, LogicalMessages) {
  const auto& transactional = as<LogicalMessage>("message_transactional", 1);
  EXPECT_TRUE(transactional.transactional);
  EXPECT_EQ(transactional.lsn.text(), "0/2683F30");
  EXPECT_EQ(transactional.prefix, "pgshift");
  EXPECT_EQ(transactional.content, "cutover 7");

  // Not transactional: no Begin or Commit around it, and any bytes as content.
  const auto& plain = as<LogicalMessage>("message_plain", 0);
  EXPECT_FALSE(plain.transactional);
  EXPECT_EQ(plain.lsn.text(), "0/2683FA8");
  EXPECT_EQ(plain.prefix, "pgshift.progress");
  EXPECT_EQ(plain.content, std::string_view("\x00\xff"
                                            "A",
                                            3));
}

TEST(Pgoutput, OriginFollowsBeginOfAReplicatedTransaction) {
  // pg_replication_origin_xact_setup('1/2345ABCD', '2024-01-02 03:04:05+00') set both.
  const auto& origin = as<Origin>("origin", 1);
  EXPECT_EQ(origin.commit_lsn.text(), "1/2345ABCD");
  EXPECT_EQ(origin.name, "upstream");
  const auto& begin = as<Begin>("origin", 0);
  EXPECT_EQ(begin.commit_time_us, 757479845000000);
  EXPECT_EQ(begin.xid, 820u);
  EXPECT_EQ(show(as<Insert>("origin", 3).new_tuple),
            (Strings{"t:10", "t:from upstream", "n", "t:1", "t:d"}));
}

TEST(Pgoutput, BinaryValues) {
  // With 'binary' 'true': int4 as 4 big-endian bytes, the enum's label, text's bytes.
  const auto& insert = as<Insert>("binary_insert", 3);
  EXPECT_EQ(insert.relation, 16546u);
  EXPECT_EQ(show(insert.new_tuple), (Strings{"b:00000002", "b:6f6b", "b:66696e65"}));
}

// Each prefix in a buffer of its own size, so a read past its end is a sanitizer report. The 100 kB
// message is cut without copying (over 5 GB of copies otherwise): a view, as its own checks see it.
TEST(PgoutputMalformed, EveryTruncationIsAnErrorNamingTheMessage) {
  const std::map<char, std::string> names = {
      {'B', "Begin"},  {'C', "Commit"}, {'O', "Origin"}, {'R', "Relation"}, {'Y', "Type"},
      {'I', "Insert"}, {'U', "Update"}, {'D', "Delete"}, {'T', "Truncate"}, {'M', "Message"}};
  for (const auto& message : kPgoutputCaptured) {
    SCOPED_TRACE(std::string(message.step) + "/" + std::to_string(message.index));
    auto bytes = wire::from_hex(message.hex);
    auto prefix = "pgoutput " + names.at(static_cast<char>(bytes[0])) + ": ";
    for (std::size_t size = 0; size < bytes.size(); ++size) {
      auto view = std::span<const std::byte>(bytes).first(size);
      Bytes copy;
      if (bytes.size() <= 4096) {
        copy.assign(view.begin(), view.end());
        view = copy;
      }
      auto result = decode(view);
      ASSERT_FALSE(result) << "decoded when cut to " << size << " bytes";
      if (size == 0) {
        EXPECT_EQ(result.error().message, "pgoutput: empty message");
      } else {
        ASSERT_EQ(result.error().message.rfind(prefix, 0), 0u) << result.error().message;
      }
    }
  }
}

TEST(PgoutputMalformed, BytesAfterTheMessageAreAnError) {
  for (const auto& message : kPgoutputCaptured) {
    auto bytes = wire::from_hex(message.hex);
    bytes.push_back(std::byte{0});
    auto result = decode(bytes);
    ASSERT_FALSE(result) << message.step << "/" << message.index;
    EXPECT_NE(result.error().message.find("1 bytes after the end of the message"),
              std::string::npos)
        << result.error().message;
  }
}

std::string error_of(const Bytes& bytes) {
  auto result = decode(bytes);
  return result ? "(decoded)" : result.error().message;
}

TEST(PgoutputMalformed, UnknownMessageType) {
  EXPECT_EQ(error_of(wire::from_hex("5a00000001")),
            "pgoutput: unknown message type 0x5a 'Z' for protocol version 1");
  // Stream Start: protocol version 2.
  EXPECT_EQ(error_of(wire::from_hex("530000030001")),
            "pgoutput: unknown message type 0x53 'S' for protocol version 1");
  EXPECT_EQ(error_of(wire::from_hex("00")),
            "pgoutput: unknown message type 0x00 for protocol version 1");
}

TEST(PgoutputMalformed, TruncatedFieldIsNamed) {
  EXPECT_EQ(error_of(wire::from_hex("4200000000026661")),
            "pgoutput Begin: final LSN: truncated, needs 8 bytes, 7 left (at byte 1)");
  // The captured Insert of (1, 'apple', NULL, 3) without its last byte.
  EXPECT_EQ(
      error_of(wire::from_hex("490000400d4e000474000000013174000000056170706c656e7400000001")),
      "pgoutput Insert: new tuple column 4: value: truncated, needs 1 bytes, 0 left (at "
      "byte 30)");
  EXPECT_EQ(error_of(wire::from_hex("4f000000012345abcd7570")),
            "pgoutput Origin: origin name: no terminating NUL in the 2 bytes left (at byte 9)");
}

// Counts are checked against the bytes left before anything is reserved for them.
TEST(PgoutputMalformed, CountsBeyondTheBytesLeftAreAnError) {
  EXPECT_EQ(error_of(wire::from_hex("54"
                                    "7fffffff"
                                    "00"
                                    "0000400d")),
            "pgoutput Truncate: 2147483647 relations cannot fit in the 4 bytes left (at byte 6)");
  EXPECT_EQ(error_of(wire::from_hex("54"
                                    "ffffffff"
                                    "00")),
            "pgoutput Truncate: negative number of relations: -1 (at byte 6)");
  EXPECT_EQ(error_of(wire::from_hex("52"
                                    "0000400d"
                                    "7000"
                                    "7400"
                                    "64"
                                    "7fff"
                                    "01690000000017")),
            "pgoutput Relation: 32767 columns cannot fit in the 7 bytes left (at byte 12)");
  EXPECT_EQ(error_of(wire::from_hex("49"
                                    "0000400d"
                                    "4e"
                                    "7fff"
                                    "6e6e")),
            "pgoutput Insert: new tuple: 32767 columns cannot fit in the 2 bytes left (at byte 8)");
  EXPECT_EQ(error_of(wire::from_hex("49"
                                    "0000400d"
                                    "4e"
                                    "8000")),
            "pgoutput Insert: new tuple: negative number of columns: -32768 (at byte 8)");
  EXPECT_EQ(error_of(wire::from_hex("49"
                                    "0000400d"
                                    "4e"
                                    "0001"
                                    "74"
                                    "7fffffff"
                                    "41")),
            "pgoutput Insert: new tuple column 1: value: truncated, needs 2147483647 bytes, 1 left "
            "(at byte 13)");
  EXPECT_EQ(error_of(wire::from_hex("49"
                                    "0000400d"
                                    "4e"
                                    "0001"
                                    "62"
                                    "ffffffff")),
            "pgoutput Insert: new tuple column 1: negative value length -1 (at byte 13)");
  EXPECT_EQ(error_of(wire::from_hex("4d"
                                    "01"
                                    "0000000001985fc8"
                                    "7000"
                                    "80000000")),
            "pgoutput Message: negative content length -2147483648 (at byte 16)");
}

TEST(PgoutputMalformed, UnknownTagsAreAnError) {
  EXPECT_EQ(error_of(wire::from_hex("49"
                                    "0000400d"
                                    "4b"
                                    "0000")),
            "pgoutput Insert: tuple tag 0x4b 'K' where one of 'N' belongs (at byte 6)");
  EXPECT_EQ(error_of(wire::from_hex("55"
                                    "0000400d"
                                    "4f"
                                    "0001"
                                    "6e"
                                    "4f"
                                    "0000")),
            "pgoutput Update: tuple tag 0x4f 'O' where one of 'N' belongs (at byte 10)");
  EXPECT_EQ(error_of(wire::from_hex("44"
                                    "0000400d"
                                    "4e"
                                    "0000")),
            "pgoutput Delete: tuple tag 0x4e 'N' where one of 'KO' belongs (at byte 6)");
  EXPECT_EQ(error_of(wire::from_hex("49"
                                    "0000400d"
                                    "4e"
                                    "0002"
                                    "6e"
                                    "78")),
            "pgoutput Insert: new tuple column 2: unknown value kind 0x78 'x' (at byte 10)");
  EXPECT_EQ(error_of(wire::from_hex("52"
                                    "0000400d"
                                    "7000"
                                    "7400"
                                    "7a"
                                    "0000")),
            "pgoutput Relation: unknown replica identity 0x7a 'z' (at byte 10)");
}

}  // namespace
}  // namespace pgshift::pg::pgoutput
