// Throughput of the per-row work on the copy path: binary COPY framing, canonical row hashing
// (in place, and with arrays/floats that need a canonical copy), and OID remapping. Reported as
// bytes per second over a synthetic stream shaped like the e2e dataset's wide rows.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>

#include "engine/model/binary_values.hpp"
#include "engine/model/copy_binary.hpp"
#include "verify/row_hasher.hpp"

namespace {

using pgshift::pg::ValueKind;

void put_u16(std::vector<std::byte>& out, std::uint16_t value) {
  out.push_back(std::byte(value >> 8));
  out.push_back(std::byte(value & 0xff));
}
void put_u32(std::vector<std::byte>& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::byte((value >> shift) & 0xff));
}
void put_field(std::vector<std::byte>& out, const void* data, std::uint32_t length) {
  put_u32(out, length);
  auto bytes = static_cast<const std::byte*>(data);
  out.insert(out.end(), bytes, bytes + length);
}

// A float8[] of `count` elements with element OID 701.
std::vector<std::byte> float_array(int count) {
  std::vector<std::byte> value;
  put_u32(value, 1);
  put_u32(value, 0);
  put_u32(value, 701);
  put_u32(value, static_cast<std::uint32_t>(count));
  put_u32(value, 1);
  for (int i = 0; i < count; ++i) {
    std::uint64_t bits;
    double d = i * 1.5;
    std::memcpy(&bits, &d, 8);
    put_u32(value, 8);
    put_u32(value, static_cast<std::uint32_t>(bits >> 32));
    put_u32(value, static_cast<std::uint32_t>(bits));
  }
  return value;
}

// ~`rows` tuples: bigint, text(40), numeric-ish bytes(16), timestamp, optionally float8[8].
std::vector<std::byte> make_stream(int rows, bool with_array) {
  std::vector<std::byte> out;
  const auto* signature = reinterpret_cast<const std::byte*>(pgshift::pg::kCopySignature);
  out.assign(signature, signature + 11);
  put_u32(out, 0);
  put_u32(out, 0);
  std::mt19937_64 random(7);
  auto array = float_array(8);
  for (int row = 0; row < rows; ++row) {
    put_u16(out, with_array ? 5 : 4);
    std::uint64_t id = static_cast<std::uint64_t>(row);
    std::uint8_t id_bytes[8];
    for (int i = 0; i < 8; ++i) id_bytes[i] = static_cast<std::uint8_t>(id >> (56 - 8 * i));
    put_field(out, id_bytes, 8);
    char text[40];
    for (char& c : text) c = static_cast<char>('a' + random() % 26);
    put_field(out, text, sizeof text);
    std::uint8_t numeric[16] = {0, 3, 0, 1, 0, 0, 0, 2, 0, 1, 9, 41, 26, 10, 0, 0};
    put_field(out, numeric, sizeof numeric);
    std::uint8_t stamp[8] = {0, 2, 0x8b, 0x1c, 0x2e, 0x41, 0xc0, 0};
    put_field(out, stamp, sizeof stamp);
    if (with_array) put_field(out, array.data(), static_cast<std::uint32_t>(array.size()));
  }
  put_u16(out, 0xffff);
  return out;
}

void BM_ParseCopyStream(benchmark::State& state) {
  auto stream = make_stream(20000, false);
  for (auto _ : state) {
    pgshift::pg::CopyBinaryParser parser;
    std::size_t tuples = 0;
    auto consumed = parser.parse(stream, [&](std::span<std::byte>) { ++tuples; });
    benchmark::DoNotOptimize(consumed);
    benchmark::DoNotOptimize(tuples);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(BM_ParseCopyStream);

void hash_stream(benchmark::State& state, bool with_array) {
  auto stream = make_stream(20000, with_array);
  pgshift::pg::TypeShapes shapes;
  std::vector<ValueKind> kinds = {ValueKind::kScalar, ValueKind::kScalar, ValueKind::kScalar,
                                  ValueKind::kScalar};
  if (with_array) kinds.push_back(ValueKind::kArray);
  for (auto _ : state) {
    pgshift::verify::RowHasher hasher(kinds, &shapes);
    pgshift::verify::ChunkDigest digest;
    pgshift::pg::CopyBinaryParser parser;
    auto consumed = parser.parse(
        stream, [&](std::span<std::byte> tuple) { digest.add_row(*hasher.hash(tuple)); });
    benchmark::DoNotOptimize(consumed);
    benchmark::DoNotOptimize(digest);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
}

void BM_ParseAndHashScalars(benchmark::State& state) {
  hash_stream(state, false);
}
BENCHMARK(BM_ParseAndHashScalars);

void BM_ParseAndHashWithFloatArrays(benchmark::State& state) {
  hash_stream(state, true);
}
BENCHMARK(BM_ParseAndHashWithFloatArrays);

void BM_RemapArrayOids(benchmark::State& state) {
  auto array = float_array(64);
  pgshift::pg::TypeShapes shapes;
  pgshift::pg::OidRemap remap;
  remap.add(701, 701);
  for (auto _ : state) {
    auto status = pgshift::pg::walk_value(
        array, ValueKind::kArray, shapes,
        [&](std::byte* slot) {
          pgshift::pg::write_u32(slot, remap.map(pgshift::pg::read_u32(slot)));
        },
        [](std::span<std::byte>) {});
    benchmark::DoNotOptimize(status);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(array.size()));
}
BENCHMARK(BM_RemapArrayOids);

}  // namespace
