// Fuzz target: CopyBinaryParser fed arbitrary bytes in pieces, the way chunk_copy feeds it (the
// unconsumed tail of the last call extended with the next piece), plus for_each_field on every
// reported tuple. Checks, besides memory safety: the same tuples and outcome as a one-shot parse,
// consumed counts within the buffer, and that every tuple the parser accepts walks cleanly.
//
// Input: byte 0 seeds the piece sizes, byte 1 sets expect_fields (0xff: none, else value % 8),
// the rest is the COPY stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "engine/model/copy_binary.hpp"
#include "tests/unit/wire_bytes.hpp"

namespace {

using pgshift::pg::CopyBinaryParser;
using Bytes = std::vector<std::byte>;

[[noreturn]] void invariant_broken() {
  std::abort();
}

struct Run {
  std::vector<Bytes> tuples;
  bool failed = false;
  CopyBinaryParser::Phase phase = CopyBinaryParser::Phase::kHeader;
  std::uint64_t counted = 0;
};

// One parse call over an exactly-sized heap copy of `pending`, so any read past the end is caught
// by AddressSanitizer.
bool parse_step(CopyBinaryParser& parser, Bytes& pending, Run& run) {
  std::size_t size = pending.size();
  std::unique_ptr<std::byte[]> exact(new std::byte[size == 0 ? 1 : size]);
  if (size) std::memcpy(exact.get(), pending.data(), size);
  std::span<std::byte> buffer(exact.get(), size);
  auto consumed = parser.parse(buffer, [&](std::span<std::byte> tuple) {
    if (tuple.data() < buffer.data() || tuple.data() + tuple.size() > buffer.data() + size) {
      invariant_broken();
    }
    std::size_t fields = 0;
    auto walked = pgshift::pg::for_each_field(
        tuple, [&](int index, std::span<std::byte> value, bool is_null) {
          if (index != static_cast<int>(fields)) invariant_broken();
          if (is_null && !value.empty()) invariant_broken();
          if (!value.empty() && (value.data() < tuple.data() ||
                                 value.data() + value.size() > tuple.data() + tuple.size())) {
            invariant_broken();
          }
          ++fields;
        });
    // A tuple the parser framed must walk cleanly and have its announced field count.
    if (!walked) invariant_broken();
    if (fields != pgshift::pg::read_u16(tuple.data())) invariant_broken();
    run.tuples.emplace_back(tuple.begin(), tuple.end());
  });
  if (!consumed) {
    run.failed = true;
    return false;
  }
  if (*consumed > size) invariant_broken();
  pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(*consumed));
  return true;
}

Run parse_pieces(const Bytes& stream, int expect, std::uint8_t seed, bool one_shot) {
  CopyBinaryParser parser;
  if (expect >= 0) parser.expect_fields(expect);
  Run run;
  Bytes pending;
  std::minstd_rand random(seed + 1u);
  std::size_t at = 0;
  // At least one call, even for an empty stream.
  do {
    std::size_t piece = one_shot ? stream.size() - at : 1 + random() % (1u + seed % 64u);
    piece = std::min(piece, stream.size() - at);
    pending.insert(pending.end(), stream.begin() + static_cast<std::ptrdiff_t>(at),
                   stream.begin() + static_cast<std::ptrdiff_t>(at + piece));
    at += piece;
    if (!parse_step(parser, pending, run)) break;
  } while (at < stream.size());
  run.phase = parser.phase();
  run.counted = parser.tuples();
  if (!run.failed && run.counted != run.tuples.size()) invariant_broken();
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::uint8_t seed = data[0];
  int expect = data[1] == 0xff ? -1 : data[1] % 8;
  Bytes stream(size - 2);
  if (size > 2) std::memcpy(stream.data(), data + 2, size - 2);

  Run whole = parse_pieces(stream, expect, seed, true);
  Run pieces = parse_pieces(stream, expect, seed, false);
  // Splitting the stream must not change what the parser reports or whether it fails.
  if (whole.failed != pieces.failed) invariant_broken();
  if (whole.tuples != pieces.tuples) invariant_broken();
  if (!whole.failed && whole.phase != pieces.phase) invariant_broken();
  return 0;
}

std::vector<std::vector<std::uint8_t>> fuzz_seeds() {
  namespace wire = pgshift::wire;
  auto with_config = [](std::uint8_t seed, std::uint8_t expect, const Bytes& stream) {
    std::vector<std::uint8_t> out = {seed, expect};
    auto bytes = wire::to_u8(stream);
    out.insert(out.end(), bytes.begin(), bytes.end());
    return out;
  };
  Bytes with_extension = wire::copy_header(0, wire::text("ext!"));
  wire::append(with_extension, wire::copy_tuple({wire::text("x")}));
  wire::append(with_extension, wire::copy_trailer());
  return {
      with_config(0, 0xff, wire::copy_stream({})),
      with_config(
          7, 3,
          wire::copy_stream({wire::copy_tuple({wire::int4(1), wire::text("alice"), std::nullopt}),
                             wire::copy_tuple({wire::int4(2), wire::text(""), wire::text("z")})})),
      with_config(200, 0, wire::copy_stream({wire::copy_tuple({}), wire::copy_tuple({})})),
      with_config(33, 0xff, with_extension),
      with_config(1, 2,
                  wire::copy_stream({wire::copy_tuple(
                      {wire::array_1d(23, {wire::int4(1), std::nullopt}),
                       wire::record_value({{701, wire::float8(-0.0)}, {25, wire::text("r")}})})})),
  };
}
