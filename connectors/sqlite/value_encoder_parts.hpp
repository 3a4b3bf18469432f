// The per-type encoders behind encode_value (value_encoder.hpp), split by type family:
// value_encoder_numbers.cpp (integers, double, numeric, boolean), value_encoder_text.cpp (text,
// varchar, bytea, uuid, json, jsonb) and value_encoder_datetime.cpp (date, timestamp[tz]). Internal
// to the encoder: each appends the send form of one non-NULL value to `out` and may leave a partial
// value behind on error (encode_value cuts it off). Pure functions, callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "connectors/sqlite/value_encoder.hpp"
#include "engine/core/result.hpp"

namespace pgshift::sqlite::value_encoding {

// Big-endian appends of a few bytes, a handful per value: inlined, with the vector's growth kept
// out of line (perf showed the call itself among the encoder's top costs).
template <class T>
__attribute__((always_inline)) inline void put_be(std::vector<std::byte>& out, T value) {
  std::byte bytes[sizeof(T)];
  for (std::size_t i = sizeof(T); i-- > 0;) {
    bytes[i] = std::byte(value & 0xff);
    value = static_cast<T>(value >> 8);
  }
  out.insert(out.end(), bytes, bytes + sizeof(T));
}
__attribute__((always_inline)) inline void put_u16(std::vector<std::byte>& out,
                                                   std::uint16_t value) {
  put_be(out, value);
}
__attribute__((always_inline)) inline void put_u32(std::vector<std::byte>& out,
                                                   std::uint32_t value) {
  put_be(out, value);
}
__attribute__((always_inline)) inline void put_u64(std::vector<std::byte>& out,
                                                   std::uint64_t value) {
  put_be(out, value);
}
inline void put_bytes(std::vector<std::byte>& out, std::string_view bytes) {
  const auto* begin = reinterpret_cast<const std::byte*>(bytes.data());
  out.insert(out.end(), begin, begin + bytes.size());
}

// The error for `value`: "value <described> <what>". Bad input, not a failure while running: a
// rerun meets the same value (kRefused: exit 2 where nothing was written, as in verify).
Unexpected<Error> refuse(const SqliteValue& value, std::string_view what);

Status encode_integer(const SqliteValue& value, const PgType& type, std::vector<std::byte>& out);
Status encode_float8(const SqliteValue& value, std::vector<std::byte>& out);
Status encode_numeric(const SqliteValue& value, const PgType& type, std::vector<std::byte>& out);
Status encode_bool(const SqliteValue& value, std::vector<std::byte>& out);

Status encode_text(const SqliteValue& value, const PgType& type, std::vector<std::byte>& out);
Status encode_bytea(const SqliteValue& value, std::vector<std::byte>& out);
Status encode_uuid(const SqliteValue& value, std::vector<std::byte>& out);
// json keeps the text as written; jsonb (`binary`) sends it canonicalized, after a version byte.
Status encode_json(const SqliteValue& value, bool binary, std::vector<std::byte>& out);

Status encode_date(const SqliteValue& value, const ColumnTarget& target,
                   std::vector<std::byte>& out);
Status encode_timestamp(const SqliteValue& value, const ColumnTarget& target,
                        std::vector<std::byte>& out);

}  // namespace pgshift::sqlite::value_encoding
