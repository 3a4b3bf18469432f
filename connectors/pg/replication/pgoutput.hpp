// The pgoutput logical decoding messages (protocol version 1, with `messages 'true'`), decoded by a
// pure function over the bytes of one XLogData payload. No I/O, any thread. Decoded text and
// tuple values are views into the input bytes: the input must outlive the message.
// Protocol 1 is enough: pgshift spills every change durably as it arrives (engine/sync), so it has
// no use for streamed in-progress transactions (protocol 2+), which would interleave xids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "connectors/pg/replication/lsn.hpp"
#include "engine/core/result.hpp"

namespace pgshift::pg::pgoutput {

struct Begin {
  Lsn final_lsn;                    // LSN of the transaction's commit record
  std::int64_t commit_time_us = 0;  // microseconds since 2000-01-01
  std::uint32_t xid = 0;
};

struct Commit {
  std::uint8_t flags = 0;
  Lsn commit_lsn;
  Lsn end_lsn;  // end of the commit record: what progress is tracked (and acknowledged) by
  std::int64_t commit_time_us = 0;
};

struct Origin {
  Lsn commit_lsn;
  std::string_view name;
};

struct RelationColumn {
  bool part_of_key = false;  // in the replica identity
  std::string_view name;
  std::uint32_t type_oid = 0;
  std::int32_t type_modifier = -1;
};

struct Relation {
  std::uint32_t oid = 0;    // the source's relation OID, as later messages name it
  std::string_view schema;  // empty for pg_catalog
  std::string_view name;
  char replica_identity = 'd';          // d default (primary key), n nothing, f full, i index
  std::vector<RelationColumn> columns;  // generated columns are not sent
};

struct Type {
  std::uint32_t oid = 0;
  std::string_view schema;
  std::string_view name;
};

enum class ValueKind : char {
  kNull = 'n',
  kUnchangedToast = 'u',  // no value sent: leave the column alone, never write a placeholder
  kText = 't',
  kBinary = 'b',
};

struct TupleValue {
  ValueKind kind = ValueKind::kNull;
  std::string_view data;  // kText / kBinary only
};
using Tuple = std::vector<TupleValue>;

struct Insert {
  std::uint32_t relation = 0;
  Tuple new_tuple;
};

// old_kind: 0 (no old tuple: the key did not change), 'K' (old key columns; the others null),
// 'O' (the whole old row: REPLICA IDENTITY FULL).
struct Update {
  std::uint32_t relation = 0;
  char old_kind = 0;
  Tuple old_tuple;
  Tuple new_tuple;
};

struct Delete {
  std::uint32_t relation = 0;
  char old_kind = 'K';  // 'K' or 'O'
  Tuple old_tuple;
};

struct Truncate {
  std::uint8_t options = 0;
  std::vector<std::uint32_t> relations;
  bool cascade() const { return options & 1; }
  bool restart_identity() const { return options & 2; }
};

// pg_logical_emit_message (cutover writes its marker this way).
struct LogicalMessage {
  bool transactional = false;
  Lsn lsn;
  std::string_view prefix;
  std::string_view content;
};

using Message = std::variant<Begin, Commit, Origin, Relation, Type, Insert, Update, Delete,
                             Truncate, LogicalMessage>;

// One message. Malformed or truncated input, or a message type protocol 1 does not have, is an
// Error naming the message type and what is wrong; never a read past the span.
Result<Message> decode(std::span<const std::byte> payload);

}  // namespace pgshift::pg::pgoutput
