#include "verify/drill_down.hpp"

#include "connectors/pg/chunk_sql.hpp"
#include "connectors/pg/pg_row_source.hpp"
#include "engine/model/copy_binary.hpp"

namespace pgshift::verify {
namespace {

using pg::quote_identifier;

std::string key_columns_as_text(const Table& table) {
  std::string out;
  for (std::size_t i = 0; i < table.key.size(); ++i) {
    out += (i ? ", " : "") + quote_identifier(table.columns[table.key[i]].name) + "::text";
  }
  return out;
}

std::string key_list(const Table& table) {
  std::string out;
  for (std::size_t i = 0; i < table.key.size(); ++i) {
    out += (i ? ", " : "") + quote_identifier(table.columns[table.key[i]].name);
  }
  return out;
}

std::string key_order(const Table& table) {
  std::string out;
  for (std::size_t i = 0; i < table.key.size(); ++i) {
    const Column& column = table.columns[table.key[i]];
    out += (i ? ", " : "") + quote_identifier(column.name) +
           (column.collatable ? " COLLATE \"C\"" : "");
  }
  return out;
}

std::string key_equals(const Table& table, const KeyValue& key) {
  std::string out;
  for (std::size_t i = 0; i < table.key.size(); ++i) {
    const Column& column = table.columns[table.key[i]];
    out += (i ? " AND " : "") + quote_identifier(column.name) + " = " + pg::quote_literal(key[i]) +
           "::" + column.type_sql;
  }
  return out;
}

std::string copied_as_text(const Table& table) {
  std::string out;
  for (const Column* column : table.copied_columns()) {
    out += (out.empty() ? "" : ", ") + quote_identifier(column->name) + "::text";
  }
  return out;
}

std::string decode_key_text(std::span<const std::byte> value, std::uint32_t type_oid) {
  auto integer = [&](int bytes) {
    std::int64_t number = 0;
    for (int i = 0; i < bytes; ++i)
      number = (number << 8) | std::to_integer<std::int64_t>(value[i]);
    int shift = 64 - 8 * bytes;  // sign-extend
    return std::to_string((number << shift) >> shift);
  };
  if (type_oid == 20 && value.size() == 8) return integer(8);
  if (type_oid == 23 && value.size() == 4) return integer(4);
  if (type_oid == 21 && value.size() == 2) return integer(2);
  if (type_oid == 25 || type_oid == 1043 || type_oid == 1042) {
    return std::string(reinterpret_cast<const char*>(value.data()), value.size());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  for (auto byte : value) {
    out += kHex[std::to_integer<unsigned>(byte) >> 4];
    out += kHex[std::to_integer<unsigned>(byte) & 0xf];
  }
  return out;
}

// Streams a COPY query through `on_tuple` in bounded buffers.
template <class OnTuple>
Task<Status> stream_copy(pg::Connection& connection, const std::string& sql, OnTuple on_tuple) {
  if (auto begun = co_await connection.begin_copy_out(sql); !begun) co_return begun;
  pg::CopyBinaryParser parser;
  std::vector<std::byte> buffer;
  Status inner;
  for (bool more = true; more;) {
    auto read = co_await connection.read_copy(buffer, 1 << 20);
    if (!read) co_return fail(read.error());
    more = *read;
    auto consumed = parser.parse(buffer, [&](std::span<std::byte> tuple) {
      if (inner) inner = on_tuple(tuple);
    });
    if (!consumed) co_return fail(consumed.error());
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*consumed));
  }
  co_return inner;
}

// Splits a tuple of (leading fields..., copied columns...) into the leading fields' text and a
// canonical tuple of the copied columns only (what RowHasher hashes).
struct SplitTuple {
  std::vector<std::string> leading;
  std::vector<std::byte> columns;
};
Result<SplitTuple> split_tuple(std::span<std::byte> tuple, std::size_t leading,
                               std::size_t trailing = 0) {
  SplitTuple out;
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // field starts (length prefix) and ends
  int fields = static_cast<std::int16_t>(pg::read_u16(tuple.data()));
  std::size_t at = 2;
  for (int f = 0; f < fields; ++f) {
    auto length = static_cast<std::int32_t>(pg::read_u32(tuple.data() + at));
    std::size_t end = at + 4 + (length > 0 ? static_cast<std::size_t>(length) : 0);
    if (end > tuple.size()) return fail(ErrorKind::kRuntime, "drill-down: malformed tuple");
    spans.push_back({at, end});
    at = end;
  }
  if (spans.size() < leading + trailing) {
    return fail(ErrorKind::kRuntime, "drill-down: short tuple");
  }
  auto text_of = [&](std::size_t index) {
    auto [start, end] = spans[index];
    return std::string(reinterpret_cast<const char*>(tuple.data() + start + 4), end - start - 4);
  };
  for (std::size_t i = 0; i < leading; ++i) out.leading.push_back(text_of(i));
  for (std::size_t i = spans.size() - trailing; i < spans.size(); ++i) {
    out.leading.push_back(text_of(i));
  }
  std::size_t columns = spans.size() - leading - trailing;
  out.columns.resize(2);
  out.columns[0] = std::byte(columns >> 8);
  out.columns[1] = std::byte(columns & 0xff);
  if (columns > 0) {
    std::size_t start = spans[leading].first, end = spans[leading + columns - 1].second;
    out.columns.insert(out.columns.end(), tuple.begin() + static_cast<std::ptrdiff_t>(start),
                       tuple.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return out;
}

}  // namespace

void KeyedRead::add(std::string display, KeyValue values, u128 hash) {
  if (rows.try_emplace(display, hash).second) {
    key_values.emplace(std::move(display), std::move(values));
  } else if (duplicated_.insert(display).second) {
    duplicates.push_back(std::move(display));
  }
}

Task<Result<KeyedRead>> read_keyed_rows(pg::Connection& connection, const Table& table,
                                        const Chunk& chunk, RowHasher& hasher) {
  std::string columns = pg::copied_column_list(table);
  std::string sql = "COPY (SELECT " + key_columns_as_text(table) +
                    (columns.empty() ? "" : ", " + columns) + " FROM ONLY " +
                    pg::qualified_name(table) + " WHERE " + pg::chunk_predicate(table, chunk) +
                    ") TO STDOUT (FORMAT binary)";
  KeyedRead out;
  auto streamed = co_await stream_copy(connection, sql, [&](std::span<std::byte> tuple) -> Status {
    auto split = split_tuple(tuple, table.key.size());
    if (!split) return fail(split.error());
    auto hash = hasher.hash(split->columns);
    if (!hash) return fail(hash.error());
    std::vector<std::string> display;
    for (const auto& value : split->leading) display.push_back(display_value(value));
    out.add(display_key(display), std::move(split->leading), *hash);
    return {};
  });
  if (!streamed) co_return fail(streamed.error());
  co_return out;
}

Task<Result<KeyedRead>> read_keyed_rows(RowSource& rows, const Table& table, RowHasher& hasher) {
  std::vector<std::size_t> key_positions;  // key columns' positions among the copied columns
  auto copied = table.copied_columns();
  for (auto key : table.key) {
    for (std::size_t i = 0; i < copied.size(); ++i) {
      if (copied[i] == &table.columns[key]) key_positions.push_back(i);
    }
  }
  KeyedRead out;
  pg::CopyBinaryParser parser;
  std::vector<std::byte> buffer;
  Status inner;
  for (bool more = true; more;) {
    auto read = co_await rows.read(buffer, 1 << 20);
    if (!read) co_return fail(read.error());
    more = *read;
    auto consumed = parser.parse(buffer, [&](std::span<std::byte> tuple) {
      if (!inner) return;
      auto hash = hasher.hash(tuple);
      if (!hash) {
        inner = fail(hash.error());
        return;
      }
      std::vector<std::string> fields(copied.size());
      inner = pg::for_each_field(tuple, [&](int index, std::span<std::byte> value, bool is_null) {
        fields[static_cast<std::size_t>(index)] =
            is_null ? "NULL"
                    : decode_key_text(value, copied[static_cast<std::size_t>(index)]->type_oid);
      });
      KeyValue key;
      std::vector<std::string> display;
      for (auto position : key_positions) {
        key.push_back(fields[position]);
        display.push_back(display_value(fields[position]));
      }
      out.add(display_key(display), std::move(key), *hash);
    });
    if (!consumed) co_return fail(consumed.error());
    if (!inner) co_return fail(inner.error());
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*consumed));
  }
  co_return out;
}

Task<Result<long long>> count_rows(pg::Connection& connection, const Table& table,
                                   const Chunk& chunk) {
  auto counted =
      co_await connection.query("SELECT count(*) FROM ONLY " + pg::qualified_name(table) +
                                " WHERE " + pg::chunk_predicate(table, chunk));
  if (!counted) co_return fail(counted.error());
  co_return counted->integer(0, 0);
}

Task<Result<std::vector<Chunk>>> split_chunk(pg::Connection& connection, const Table& table,
                                             const Chunk& chunk, int parts) {
  auto rows = co_await count_rows(connection, table, chunk);
  if (!rows) co_return fail(rows.error());
  long long step = std::max<long long>(1, *rows / parts);
  auto bounds = co_await connection.query(
      "SELECT " + key_columns_as_text(table) + " FROM (SELECT " + key_list(table) +
      ", row_number() OVER (ORDER BY " + key_order(table) + ") AS pgshift_rn FROM ONLY " +
      pg::qualified_name(table) + " WHERE " + pg::chunk_predicate(table, chunk) +
      ") s WHERE pgshift_rn % " + std::to_string(step) +
      " = 1 AND pgshift_rn > 1 ORDER BY pgshift_rn");
  if (!bounds) co_return fail(bounds.error());
  std::vector<Chunk> out;
  std::optional<KeyValue> lower = chunk.lower;
  for (int row = 0; row <= bounds->rows(); ++row) {
    Chunk part = chunk;
    part.number = chunk.number;
    part.lower = lower;
    if (row < bounds->rows()) {
      KeyValue value;
      for (int column = 0; column < bounds->columns(); ++column) {
        value.push_back(bounds->text(row, column));
      }
      part.upper = value;
      lower = value;
    } else {
      part.upper = chunk.upper;
    }
    out.push_back(std::move(part));
  }
  co_return out;
}

Task<Result<std::optional<std::string>>> row_text(pg::Connection& connection, const Table& table,
                                                  const KeyValue& key) {
  auto row = co_await connection.query("SELECT ROW(" + pg::copied_column_list(table) +
                                       ")::text FROM ONLY " + pg::qualified_name(table) +
                                       " WHERE " + key_equals(table, key));
  if (!row) co_return fail(row.error());
  if (row->rows() == 0) co_return std::optional<std::string>{};
  if (row->rows() == 1) co_return row->text(0, 0);
  std::string all = std::to_string(row->rows()) + " rows:";
  for (int i = 0; i < row->rows(); ++i) all += " " + row->text(i, 0);
  co_return all;
}

Task<Result<std::vector<std::string>>> differing_columns(pg::Connection& source,
                                                         pg::Connection& target, const Table& table,
                                                         const KeyValue& key) {
  std::string sql = "SELECT " + copied_as_text(table) + " FROM ONLY " + pg::qualified_name(table) +
                    " WHERE " + key_equals(table, key);
  auto left = co_await source.query(sql);
  if (!left) co_return fail(left.error());
  auto right = co_await target.query(sql);
  if (!right) co_return fail(right.error());
  std::vector<std::string> out;
  if (left->rows() != 1 || right->rows() != 1) co_return out;
  auto columns = table.copied_columns();
  for (int column = 0; column < left->columns(); ++column) {
    bool same = left->is_null(0, column) == right->is_null(0, column) &&
                left->text(0, column) == right->text(0, column);
    if (!same) out.push_back(columns[static_cast<std::size_t>(column)]->name);
  }
  co_return out;
}

Task<Result<std::vector<KeylessDifference>>> diff_keyless(
    pg::Connection& source, pg::Connection& target, const Table& table, RowHasher& source_hasher,
    RowHasher& target_hasher, int passes, std::size_t limit) {
  std::vector<KeylessDifference> out;
  std::string columns = pg::copied_column_list(table);
  std::string sql = "COPY (SELECT " + (columns.empty() ? "" : columns + ", ") + "ROW(" + columns +
                    ")::text FROM ONLY " + pg::qualified_name(table) +
                    ") TO STDOUT (FORMAT binary)";
  for (int pass = 0; pass < passes && out.size() < limit; ++pass) {
    RowCounts net;
    std::unordered_map<u128, std::string, U128Hash> texts;
    for (int side = 0; side < 2; ++side) {
      pg::Connection& connection = side == 0 ? source : target;
      RowHasher& hasher = side == 0 ? source_hasher : target_hasher;
      auto streamed =
          co_await stream_copy(connection, sql, [&](std::span<std::byte> tuple) -> Status {
            auto split = split_tuple(tuple, 0, 1);
            if (!split) return fail(split.error());
            auto hash = hasher.hash(split->columns);
            if (!hash) return fail(hash.error());
            if (static_cast<int>(*hash % static_cast<u128>(passes)) != pass) return {};
            net[*hash] += side == 0 ? 1 : -1;
            texts.try_emplace(*hash, split->leading.back());
            return {};
          });
      if (!streamed) co_return fail(streamed.error());
    }
    auto diff = diff_multisets(net);
    for (const auto& [hash, count] : diff.missing) {
      if (out.size() < limit) out.push_back({texts[hash], count, true});
    }
    for (const auto& [hash, count] : diff.extra) {
      if (out.size() < limit) out.push_back({texts[hash], count, false});
    }
  }
  co_return out;
}

}  // namespace pgshift::verify
