// Fuzz target: walk_value on arbitrary bytes for every ValueKind, with TypeShapes declaring a few
// OIDs as arrays and records so nesting is reachable, and RowHasher::hash on arbitrary tuples.
// Checks, besides memory safety: every OID slot and float span lies inside the value, floats are 4
// or 8 bytes, a value that walks also walks after its OIDs are zeroed, and hashing is repeatable.
//
// Input: byte 0 picks the mode (% 6: 0-4 walk_value with that ValueKind, 5 RowHasher); for mode 5
// byte 1 is the column count (% 8) followed by one kind byte per column; the rest is the value or
// tuple.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "engine/model/binary_values.hpp"
#include "tests/unit/wire_bytes.hpp"
#include "verify/row_hasher.hpp"

namespace {

using pgshift::pg::ValueKind;
using Bytes = std::vector<std::byte>;

[[noreturn]] void invariant_broken() {
  std::abort();
}

constexpr std::uint32_t kUserArray = 90001;
constexpr std::uint32_t kUserRecord = 90002;
constexpr std::uint32_t kFloat8Array = 1022;
constexpr std::uint32_t kFloat4Array = 1021;
constexpr std::uint32_t kRecordArray = 2287;

const pgshift::pg::TypeShapes& shapes() {
  static const pgshift::pg::TypeShapes types = [] {
    pgshift::pg::TypeShapes out;
    out.set(kUserArray, ValueKind::kArray);
    out.set(kUserRecord, ValueKind::kRecord);
    out.set(kFloat8Array, ValueKind::kArray);
    out.set(kFloat4Array, ValueKind::kArray);
    out.set(kRecordArray, ValueKind::kArray);
    return out;
  }();
  return types;
}

// Exactly-sized heap copy, so reads past the end are caught by AddressSanitizer.
struct Exact {
  explicit Exact(const std::uint8_t* data, std::size_t size)
      : bytes(new std::byte[size == 0 ? 1 : size]), span(bytes.get(), size) {
    if (size) std::memcpy(bytes.get(), data, size);
  }
  std::unique_ptr<std::byte[]> bytes;
  std::span<std::byte> span;
};

bool walk_checked(std::span<std::byte> value, ValueKind kind, bool zero_oids) {
  auto inside = [&](const std::byte* p, std::size_t n) {
    return p >= value.data() && p + n <= value.data() + value.size();
  };
  auto status = pgshift::pg::walk_value(
      value, kind, shapes(),
      [&](std::byte* slot) {
        if (!inside(slot, 4)) invariant_broken();
        if (zero_oids) pgshift::pg::write_u32(slot, 0);
      },
      [&](std::span<std::byte> f) {
        if (f.size() != 4 && f.size() != 8) invariant_broken();
        if (!inside(f.data(), f.size())) invariant_broken();
      });
  return static_cast<bool>(status);
}

void fuzz_walk(const std::uint8_t* data, std::size_t size, ValueKind kind) {
  Exact value(data, size);
  bool ok = walk_checked(value.span, kind, true);
  // Zeroing the OIDs makes nested values opaque: less to validate, so it must still walk.
  if (ok && !walk_checked(value.span, kind, false)) invariant_broken();
}

void fuzz_hash(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return;
  std::size_t columns = data[0] % 8;
  if (size < 1 + columns) return;
  std::vector<ValueKind> kinds;
  for (std::size_t i = 0; i < columns; ++i)
    kinds.push_back(static_cast<ValueKind>(data[1 + i] % 5));
  Exact tuple(data + 1 + columns, size - 1 - columns);
  pgshift::verify::RowHasher hasher(kinds, &shapes());
  auto first = hasher.hash(tuple.span);
  auto second = hasher.hash(tuple.span);
  if (first.has_value() != second.has_value()) invariant_broken();
  if (first && *first != *second) invariant_broken();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  int mode = data[0] % 6;
  if (mode == 5) {
    fuzz_hash(data + 1, size - 1);
  } else {
    fuzz_walk(data + 1, size - 1, static_cast<ValueKind>(mode));
  }
  return 0;
}

std::vector<std::vector<std::uint8_t>> fuzz_seeds() {
  namespace wire = pgshift::wire;
  auto walk_seed = [](ValueKind kind, const Bytes& value) {
    std::vector<std::uint8_t> out = {static_cast<std::uint8_t>(kind)};
    auto bytes = wire::to_u8(value);
    out.insert(out.end(), bytes.begin(), bytes.end());
    return out;
  };
  auto hash_seed = [](std::vector<ValueKind> kinds, const Bytes& tuple) {
    std::vector<std::uint8_t> out = {5, static_cast<std::uint8_t>(kinds.size())};
    for (auto kind : kinds) out.push_back(static_cast<std::uint8_t>(kind));
    auto bytes = wire::to_u8(tuple);
    out.insert(out.end(), bytes.begin(), bytes.end());
    return out;
  };
  Bytes float_array = wire::array_value(
      701, {{2, 1}, {2, 0}}, {wire::float8(1), std::nullopt, wire::float8(-0.0), wire::float8(2)});
  Bytes record =
      wire::record_value({{kFloat8Array, float_array}, {23, wire::int4(5)}, {25, std::nullopt}});
  Bytes records = wire::array_1d(kUserRecord, {record, std::nullopt});
  Bytes nested = wire::array_1d(kUserArray, {wire::array_1d(700, {wire::float4(1.5f)})});
  return {
      walk_seed(ValueKind::kScalar, wire::text("abc")),
      walk_seed(ValueKind::kFloat4, wire::float4(-0.0f)),
      walk_seed(ValueKind::kFloat8, wire::float8_bits(0x7ff8000000000001ULL)),
      walk_seed(ValueKind::kArray, wire::array_value(23, {}, {})),
      walk_seed(ValueKind::kArray, float_array),
      walk_seed(ValueKind::kArray, records),
      walk_seed(ValueKind::kArray, nested),
      walk_seed(ValueKind::kRecord, record),
      walk_seed(ValueKind::kRecord, wire::record_value({{2249, wire::record_value({})}})),
      hash_seed({ValueKind::kScalar, ValueKind::kScalar},
                wire::copy_tuple({wire::int4(1), wire::text("a")})),
      hash_seed({ValueKind::kScalar, ValueKind::kFloat8, ValueKind::kArray, ValueKind::kRecord},
                wire::copy_tuple({std::nullopt, wire::float8(-0.0), float_array, record})),
      hash_seed({ValueKind::kFloat4, ValueKind::kArray},
                wire::copy_tuple({wire::float4(1), records})),
  };
}
