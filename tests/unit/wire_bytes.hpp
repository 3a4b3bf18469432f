// Builders for PostgreSQL binary wire values used by the unit tests and fuzz seeds: binary COPY
// streams (header, tuples, trailer) and binary array/record values, all big-endian as on the wire,
// and bytes from the hex the capture scripts in tests/unit/data write. Test support only;
// header-only.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgshift::wire {

using Bytes = std::vector<std::byte>;
using Field = std::optional<Bytes>;  // nullopt = SQL NULL

inline void put_u16(Bytes& out, std::uint16_t value) {
  out.push_back(std::byte(value >> 8));
  out.push_back(std::byte(value & 0xff));
}
inline void put_u32(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::byte((value >> shift) & 0xff));
}
inline void put_i32(Bytes& out, std::int32_t value) {
  put_u32(out, static_cast<std::uint32_t>(value));
}
inline void append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}

inline Bytes text(std::string_view value) {
  Bytes out;
  for (char c : value) out.push_back(static_cast<std::byte>(c));
  return out;
}
inline Bytes int4(std::int32_t value) {
  Bytes out;
  put_i32(out, value);
  return out;
}
inline Bytes float8_bits(std::uint64_t bits) {
  Bytes out;
  put_u32(out, static_cast<std::uint32_t>(bits >> 32));
  put_u32(out, static_cast<std::uint32_t>(bits));
  return out;
}
inline Bytes float8(double value) {
  return float8_bits(std::bit_cast<std::uint64_t>(value));
}
inline Bytes float4_bits(std::uint32_t bits) {
  Bytes out;
  put_u32(out, bits);
  return out;
}
inline Bytes float4(float value) {
  return float4_bits(std::bit_cast<std::uint32_t>(value));
}

// "PGCOPY\n\377\r\n\0", flags, extension length, extension bytes.
inline Bytes copy_header(std::uint32_t flags = 0, const Bytes& extension = {}) {
  Bytes out = text(std::string_view("PGCOPY\n\xff\r\n\0", 11));
  put_u32(out, flags);
  put_u32(out, static_cast<std::uint32_t>(extension.size()));
  append(out, extension);
  return out;
}

// One tuple: int16 field count, then per field int32 length (-1 = NULL) and the bytes.
inline Bytes copy_tuple(const std::vector<Field>& fields) {
  Bytes out;
  put_u16(out, static_cast<std::uint16_t>(fields.size()));
  for (const auto& field : fields) {
    if (!field) {
      put_i32(out, -1);
      continue;
    }
    put_i32(out, static_cast<std::int32_t>(field->size()));
    append(out, *field);
  }
  return out;
}

inline Bytes copy_trailer() {
  Bytes out;
  put_u16(out, 0xffff);
  return out;
}

inline Bytes copy_stream(const std::vector<Bytes>& tuples) {
  Bytes out = copy_header();
  for (const auto& tuple : tuples) append(out, tuple);
  append(out, copy_trailer());
  return out;
}

// Binary array: ndim, has-nulls flag, element OID, per dimension (extent, lower bound), elements.
inline Bytes array_value(std::uint32_t element_oid,
                         const std::vector<std::pair<std::int32_t, std::int32_t>>& dims,
                         const std::vector<Field>& elements) {
  Bytes out;
  bool has_nulls = false;
  for (const auto& element : elements) has_nulls = has_nulls || !element;
  put_i32(out, static_cast<std::int32_t>(dims.size()));
  put_i32(out, has_nulls ? 1 : 0);
  put_u32(out, element_oid);
  for (auto [extent, lower] : dims) {
    put_i32(out, extent);
    put_i32(out, lower);
  }
  for (const auto& element : elements) {
    if (!element) {
      put_i32(out, -1);
      continue;
    }
    put_i32(out, static_cast<std::int32_t>(element->size()));
    append(out, *element);
  }
  return out;
}

// 1-D array with lower bound 1.
inline Bytes array_1d(std::uint32_t element_oid, const std::vector<Field>& elements) {
  return array_value(element_oid, {{static_cast<std::int32_t>(elements.size()), 1}}, elements);
}

// Binary record: field count, per field (OID, int32 length (-1 = NULL), bytes).
inline Bytes record_value(const std::vector<std::pair<std::uint32_t, Field>>& fields) {
  Bytes out;
  put_i32(out, static_cast<std::int32_t>(fields.size()));
  for (const auto& [oid, field] : fields) {
    put_u32(out, oid);
    if (!field) {
      put_i32(out, -1);
      continue;
    }
    put_i32(out, static_cast<std::int32_t>(field->size()));
    append(out, *field);
  }
  return out;
}

// Hex digits, where "(XX*N)" stands for the byte XX N times (how tests/unit/data writes long runs).
// Throws std::invalid_argument on anything else.
inline Bytes from_hex(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument(std::string("not a hex digit: ") + c);
  };
  Bytes out;
  for (std::size_t at = 0; at < hex.size();) {
    std::size_t count = 1;
    std::size_t pair = at;
    if (hex[at] == '(') {
      auto close = hex.find(')', at);
      if (close == std::string_view::npos || close < at + 5 || hex[at + 3] != '*') {
        throw std::invalid_argument("bad run in hex at " + std::to_string(at));
      }
      count = std::stoul(std::string(hex.substr(at + 4, close - at - 4)));
      pair = at + 1;
      at = close + 1;
    } else {
      if (at + 1 >= hex.size()) throw std::invalid_argument("odd number of hex digits");
      at += 2;
    }
    out.insert(out.end(), count, std::byte(digit(hex[pair]) * 16 + digit(hex[pair + 1])));
  }
  return out;
}

inline std::vector<std::uint8_t> to_u8(const Bytes& bytes) {
  std::vector<std::uint8_t> out(bytes.size());
  if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

}  // namespace pgshift::wire
