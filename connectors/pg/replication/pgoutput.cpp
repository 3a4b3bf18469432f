// The pgoutput message formats, protocol version 1, as PostgreSQL documents them ("Logical
// Replication Message Formats"). Every count read from the input is checked against the bytes left
// before anything is reserved for it, so a hostile length costs no memory.
#include "connectors/pg/replication/pgoutput.hpp"

#include <string>

#include "connectors/pg/replication/byte_reader.hpp"

namespace pgshift::pg::pgoutput {
namespace {

using replication::ByteReader;

// The fewest bytes a Relation message's column takes: flags, an empty name's NUL, type, modifier.
constexpr std::size_t kMinRelationColumnBytes = 1 + 1 + 4 + 4;

std::string printable(std::uint8_t byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "0x";
  out += kHex[byte >> 4];
  out += kHex[byte & 15];
  if (byte >= 0x20 && byte < 0x7f) out += std::string(" '") + static_cast<char>(byte) + "'";
  return out;
}

// A count read from the input, before anything is reserved for it: each item takes at least
// `min_bytes`, so more items than the bytes left could hold is malformed.
bool check_count(ByteReader& in, std::int64_t count, std::size_t min_bytes, const char* what) {
  if (count < 0) {
    return in.fail("negative number of " + std::string(what) + ": " + std::to_string(count));
  }
  if (static_cast<std::uint64_t>(count) * min_bytes > in.remaining()) {
    return in.fail(std::to_string(count) + " " + what + " cannot fit in the " +
                   std::to_string(in.remaining()) + " bytes left");
  }
  return true;
}

// TupleData: Int16 column count, then per column a kind byte and, for 't' and 'b', Int32 length
// and the bytes.
bool read_tuple(ByteReader& in, Tuple& out, const char* which) {
  std::int16_t count = 0;
  if (!in.read(count, "column count") || !check_count(in, count, 1, "columns")) {
    in.within(which);
    return false;
  }
  out.reserve(static_cast<std::size_t>(count));
  for (std::int16_t i = 0; i < count; ++i) {
    TupleValue value;
    std::uint8_t kind = 0;
    bool ok = in.read(kind, "kind");
    if (ok && (kind == 't' || kind == 'b')) {
      std::int32_t length = 0;
      ok = in.read(length, "value length") &&
           (length >= 0 || in.fail("negative value length " + std::to_string(length))) &&
           in.text(static_cast<std::size_t>(length), value.data, "value");
    } else if (ok && kind != 'n' && kind != 'u') {
      ok = in.fail("unknown value kind " + printable(kind));
    }
    if (!ok) {
      in.within(std::string(which) + " column " + std::to_string(i + 1));
      return false;
    }
    value.kind = static_cast<ValueKind>(kind);
    out.push_back(value);
  }
  return true;
}

// The byte naming the tuple that follows ('N' new, 'K' old key, 'O' old row).
bool read_tuple_tag(ByteReader& in, char& out, std::string_view allowed) {
  std::uint8_t tag = 0;
  if (!in.read(tag, "tuple tag")) return false;
  if (allowed.find(static_cast<char>(tag)) == std::string_view::npos) {
    return in.fail("tuple tag " + printable(tag) + " where one of '" + std::string(allowed) +
                   "' belongs");
  }
  out = static_cast<char>(tag);
  return true;
}

bool read_body(ByteReader& in, Begin& out) {
  return in.read(out.final_lsn, "final LSN") && in.read(out.commit_time_us, "commit time") &&
         in.read(out.xid, "xid");
}

bool read_body(ByteReader& in, Commit& out) {
  return in.read(out.flags, "flags") && in.read(out.commit_lsn, "commit LSN") &&
         in.read(out.end_lsn, "end LSN") && in.read(out.commit_time_us, "commit time");
}

bool read_body(ByteReader& in, Origin& out) {
  return in.read(out.commit_lsn, "commit LSN") && in.cstring(out.name, "origin name");
}

bool read_body(ByteReader& in, Relation& out) {
  std::uint8_t identity = 0;
  std::int16_t count = 0;
  if (!in.read(out.oid, "relation OID") || !in.cstring(out.schema, "schema") ||
      !in.cstring(out.name, "relation name") || !in.read(identity, "replica identity")) {
    return false;
  }
  if (identity != 'd' && identity != 'n' && identity != 'f' && identity != 'i') {
    return in.fail("unknown replica identity " + printable(identity));
  }
  out.replica_identity = static_cast<char>(identity);
  if (!in.read(count, "column count") ||
      !check_count(in, count, kMinRelationColumnBytes, "columns")) {
    return false;
  }
  out.columns.resize(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < out.columns.size(); ++i) {
    auto& column = out.columns[i];
    std::uint8_t flags = 0;
    if (!in.read(flags, "flags") || !in.cstring(column.name, "name") ||
        !in.read(column.type_oid, "type OID") || !in.read(column.type_modifier, "type modifier")) {
      in.within("column " + std::to_string(i + 1));
      return false;
    }
    column.part_of_key = (flags & 1) != 0;
  }
  return true;
}

bool read_body(ByteReader& in, Type& out) {
  return in.read(out.oid, "type OID") && in.cstring(out.schema, "schema") &&
         in.cstring(out.name, "type name");
}

bool read_body(ByteReader& in, Insert& out) {
  char tag = 0;
  return in.read(out.relation, "relation OID") && read_tuple_tag(in, tag, "N") &&
         read_tuple(in, out.new_tuple, "new tuple");
}

bool read_body(ByteReader& in, Update& out) {
  char tag = 0;
  if (!in.read(out.relation, "relation OID") || !read_tuple_tag(in, tag, "KON")) return false;
  if (tag != 'N') {
    out.old_kind = tag;
    if (!read_tuple(in, out.old_tuple, "old tuple") || !read_tuple_tag(in, tag, "N")) return false;
  }
  return read_tuple(in, out.new_tuple, "new tuple");
}

bool read_body(ByteReader& in, Delete& out) {
  return in.read(out.relation, "relation OID") && read_tuple_tag(in, out.old_kind, "KO") &&
         read_tuple(in, out.old_tuple, "old tuple");
}

bool read_body(ByteReader& in, Truncate& out) {
  std::int32_t count = 0;
  if (!in.read(count, "relation count") || !in.read(out.options, "options") ||
      !check_count(in, count, 4, "relations")) {
    return false;
  }
  out.relations.resize(static_cast<std::size_t>(count));
  for (auto& oid : out.relations) {
    if (!in.read(oid, "relation OID")) return false;
  }
  return true;
}

bool read_body(ByteReader& in, LogicalMessage& out) {
  std::uint8_t flags = 0;
  std::int32_t length = 0;
  if (!in.read(flags, "flags") || !in.read(out.lsn, "LSN") || !in.cstring(out.prefix, "prefix") ||
      !in.read(length, "content length")) {
    return false;
  }
  if (length < 0) return in.fail("negative content length " + std::to_string(length));
  out.transactional = (flags & 1) != 0;
  return in.text(static_cast<std::size_t>(length), out.content, "content");
}

template <class T>
Result<Message> decode_as(ByteReader& in, const char* name) {
  Message out{std::in_place_type<T>};
  bool ok = read_body(in, std::get<T>(out));
  if (ok && in.remaining() > 0) {
    ok = in.fail(std::to_string(in.remaining()) + " bytes after the end of the message");
  }
  if (!ok) return fail(ErrorKind::kRuntime, std::string("pgoutput ") + name + ": " + in.error());
  return out;
}

}  // namespace

Result<Message> decode(std::span<const std::byte> payload) {
  ByteReader in(payload);
  std::uint8_t type = 0;
  if (!in.read(type, "message type")) return fail(ErrorKind::kRuntime, "pgoutput: empty message");
  switch (type) {
    case 'B':
      return decode_as<Begin>(in, "Begin");
    case 'C':
      return decode_as<Commit>(in, "Commit");
    case 'O':
      return decode_as<Origin>(in, "Origin");
    case 'R':
      return decode_as<Relation>(in, "Relation");
    case 'Y':
      return decode_as<Type>(in, "Type");
    case 'I':
      return decode_as<Insert>(in, "Insert");
    case 'U':
      return decode_as<Update>(in, "Update");
    case 'D':
      return decode_as<Delete>(in, "Delete");
    case 'T':
      return decode_as<Truncate>(in, "Truncate");
    case 'M':
      return decode_as<LogicalMessage>(in, "Message");
    default:
      return fail(ErrorKind::kRuntime,
                  "pgoutput: unknown message type " + printable(type) + " for protocol version 1");
  }
}

}  // namespace pgshift::pg::pgoutput
