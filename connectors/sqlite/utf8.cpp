#include "connectors/sqlite/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <utility>

namespace pgshift::sqlite {
namespace {

// True when all eight bytes are ASCII and none is NUL (the common case, checked a word at a time).
bool plain_ascii_word(const unsigned char* bytes) {
  std::uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  constexpr std::uint64_t kLow = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  bool has_high_bit = (word & kHigh) != 0;
  bool has_zero_byte = ((word - kLow) & ~word & kHigh) != 0;
  return !has_high_bit && !has_zero_byte;
}

// The strict UTF-8 rules as a shift automaton: each state is a bit offset (6 bits apart) into a
// per-byte 64-bit row that holds the next state for every current state, so a byte costs one load
// and one shift, whatever the text mixes. NUL is an error, as PostgreSQL text cannot hold it.
enum : std::uint64_t {
  kAccept = 0,
  kError = 6,
  kNeed1 = 12,    // one continuation byte 80..BF
  kNeed2 = 18,    // two
  kNeed3 = 24,    // three
  kAfterE0 = 30,  // A0..BF, then one more (no overlong)
  kAfterED = 36,  // 80..9F, then one more (no surrogate)
  kAfterF0 = 42,  // 90..BF, then two more (no overlong)
  kAfterF4 = 48,  // 80..8F, then two more (nothing above U+10FFFF)
};

constexpr std::uint64_t row(std::initializer_list<std::pair<std::uint64_t, std::uint64_t>> moves) {
  std::uint64_t out = 0;
  for (std::uint64_t state :
       {kAccept, kError, kNeed1, kNeed2, kNeed3, kAfterE0, kAfterED, kAfterF0, kAfterF4}) {
    out |= kError << state;
  }
  for (auto [from, to] : moves) {
    out &= ~(std::uint64_t{63} << from);
    out |= to << from;
  }
  return out;
}

struct Automaton {
  std::uint64_t rows[256];
  constexpr Automaton() : rows() {
    for (int byte = 0; byte < 256; ++byte) {
      if (byte == 0) {
        rows[byte] = row({});
      } else if (byte < 0x80) {
        rows[byte] = row({{kAccept, kAccept}});
      } else if (byte < 0x90) {
        rows[byte] = row({{kNeed1, kAccept},
                          {kNeed2, kNeed1},
                          {kNeed3, kNeed2},
                          {kAfterED, kNeed1},
                          {kAfterF4, kNeed2}});
      } else if (byte < 0xA0) {
        rows[byte] = row({{kNeed1, kAccept},
                          {kNeed2, kNeed1},
                          {kNeed3, kNeed2},
                          {kAfterED, kNeed1},
                          {kAfterF0, kNeed2}});
      } else if (byte < 0xC0) {
        rows[byte] = row({{kNeed1, kAccept},
                          {kNeed2, kNeed1},
                          {kNeed3, kNeed2},
                          {kAfterE0, kNeed1},
                          {kAfterF0, kNeed2}});
      } else if (byte < 0xC2) {
        rows[byte] = row({});
      } else if (byte < 0xE0) {
        rows[byte] = row({{kAccept, kNeed1}});
      } else if (byte == 0xE0) {
        rows[byte] = row({{kAccept, kAfterE0}});
      } else if (byte == 0xED) {
        rows[byte] = row({{kAccept, kAfterED}});
      } else if (byte < 0xF0) {
        rows[byte] = row({{kAccept, kNeed2}});
      } else if (byte == 0xF0) {
        rows[byte] = row({{kAccept, kAfterF0}});
      } else if (byte < 0xF4) {
        rows[byte] = row({{kAccept, kNeed3}});
      } else if (byte == 0xF4) {
        rows[byte] = row({{kAccept, kAfterF4}});
      } else {
        rows[byte] = row({});
      }
    }
  }
};

constexpr Automaton kAutomaton;

inline __attribute__((always_inline)) std::uint64_t step(std::uint64_t state, unsigned char byte) {
  return (kAutomaton.rows[byte] >> (state & 63)) & 63;
}

std::uint64_t run_automaton(const unsigned char* bytes, std::size_t size) {
  std::uint64_t state = kAccept;
  for (std::size_t i = 0; i < size; ++i) state = step(state, bytes[i]);
  return state;
}

// Each step waits for the one before it (a load, then a shift), so a long text is cut into four
// parts at character starts and their automata run side by side. A part cannot start inside a
// valid sequence: a cut moves past at most three continuation bytes, and a fourth would be an
// error wherever the part starts. Where the CPU has BMI2, its shift (shrx) leaves the flags
// alone; the baseline shift by %cl writes them, which chains the four parts back together.
__attribute__((target_clones("bmi2", "default"))) bool valid_by_automaton(
    const unsigned char* bytes, std::size_t size) {
  constexpr int kParts = 4;
  if (size < 64) return run_automaton(bytes, size) == kAccept;
  std::size_t cut[kParts + 1];
  cut[0] = 0;
  cut[kParts] = size;
  for (int part = 1; part < kParts; ++part) {
    std::size_t at = size * part / kParts;
    for (int skipped = 0; skipped < 3 && at < size && (bytes[at] & 0xC0) == 0x80; ++skipped) ++at;
    cut[part] = at;
  }
  std::size_t common = size;
  for (int part = 0; part < kParts; ++part) common = std::min(common, cut[part + 1] - cut[part]);
  std::uint64_t s0 = kAccept, s1 = kAccept, s2 = kAccept, s3 = kAccept;
  const unsigned char *p0 = bytes + cut[0], *p1 = bytes + cut[1], *p2 = bytes + cut[2],
                      *p3 = bytes + cut[3];
  for (std::size_t i = 0; i < common; ++i) {
    s0 = step(s0, p0[i]);
    s1 = step(s1, p1[i]);
    s2 = step(s2, p2[i]);
    s3 = step(s3, p3[i]);
  }
  std::uint64_t states[kParts] = {s0, s1, s2, s3};
  for (int part = 0; part < kParts; ++part) {
    for (std::size_t at = cut[part] + common; at < cut[part + 1]; ++at) {
      states[part] = step(states[part], bytes[at]);
    }
    if (states[part] != kAccept) return false;
  }
  return true;
}

// Byte by byte (with the ASCII word path): slower than the automaton, but it knows where the
// invalid sequence starts.
std::optional<std::size_t> locate_invalid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t size = text.size();
  std::size_t at = 0;
  while (at < size) {
    if (size - at >= 8 && plain_ascii_word(bytes + at)) {
      at += 8;
      continue;
    }
    unsigned char c = bytes[at];
    if (c < 0x80) {
      if (c == 0) return at;
      ++at;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;   // overlong
      if (c == 0xED) high = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;   // overlong
      if (c == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return at;
    }
    if (size - at < length) return at;
    if (bytes[at + 1] < low || bytes[at + 1] > high) return at;
    for (std::size_t i = 2; i < length; ++i) {
      if (bytes[at + i] < 0x80 || bytes[at + i] > 0xBF) return at;
    }
    at += length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t size = text.size();
  std::size_t at = 0;
  while (size - at >= 8 && plain_ascii_word(bytes + at)) at += 8;
  // Everything before `at` is ASCII, so a character starts there.
  if (valid_by_automaton(bytes + at, size - at)) return std::nullopt;
  return locate_invalid_utf8(text);
}

std::size_t utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace pgshift::sqlite
