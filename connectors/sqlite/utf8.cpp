#include "connectors/sqlite/utf8.hpp"

#include <immintrin.h>

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
// (Not under ThreadSanitizer: the clones' resolver runs while the program is being loaded, before
// the TSan runtime exists, and its instrumented code crashes there.)
#if defined(__SANITIZE_THREAD__)
#define PGSHIFT_BMI2_CLONES
#else
#define PGSHIFT_BMI2_CLONES __attribute__((target_clones("bmi2", "default")))
#endif
PGSHIFT_BMI2_CLONES bool valid_by_automaton(const unsigned char* bytes, std::size_t size) {
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

// Keiser and Lemire's lookup algorithm ("Validating UTF-8 in less than one instruction per byte",
// 2021), 32 bytes at a time: each byte with the one before it is classified by three 16-entry
// tables into error bits that must all agree, and a byte that must continue a three- or four-byte
// sequence is checked against the two and three before it. NUL is an error besides. The text is
// followed by at least one space (the last block is padded with them), so a sequence cut short
// at the end fails like one cut short by ASCII. About a dozen instructions per 32 bytes, whatever
// the text mixes.
namespace lookup {

constexpr std::uint8_t kTooShort = 1 << 0;   // lead or ASCII, then a lead or ASCII
constexpr std::uint8_t kTooLong = 1 << 1;    // ASCII, then a continuation
constexpr std::uint8_t kOverlong3 = 1 << 2;  // E0, then 80..9F
constexpr std::uint8_t kTooLarge = 1 << 3;   // F4 then 90..BF, or F5..FF
constexpr std::uint8_t kSurrogate = 1 << 4;  // ED, then A0..BF
constexpr std::uint8_t kOverlong2 = 1 << 5;  // C0 or C1
constexpr std::uint8_t kTooLarge1000 = 1 << 6;
constexpr std::uint8_t kOverlong4 = 1 << 6;  // F0, then 80..8F
constexpr std::uint8_t kTwoConts = 1 << 7;   // a continuation after a continuation (see must_23)
constexpr std::uint8_t kCarry = kTooShort | kTooLong | kTwoConts;

__attribute__((target("avx2"))) inline __m256i table(const std::uint8_t (&entries)[16]) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(entries)));
}

__attribute__((target("avx2"))) inline __m256i high_nibbles(__m256i bytes) {
  return _mm256_and_si256(_mm256_srli_epi16(bytes, 4), _mm256_set1_epi8(0x0F));
}

// The bytes of the 64-byte stream (previous block, current block) that come `n` before each
// byte of the current block.
template <int n>
__attribute__((target("avx2"))) inline __m256i before(__m256i current, __m256i previous) {
  return _mm256_alignr_epi8(current, _mm256_permute2x128_si256(previous, current, 0x21), 16 - n);
}

struct Checker {
  __m256i byte_1_high, byte_1_low, byte_2_high;

  __attribute__((target("avx2"))) Checker() {
    static constexpr std::uint8_t k1High[16] = {kTooLong,
                                                kTooLong,
                                                kTooLong,
                                                kTooLong,
                                                kTooLong,
                                                kTooLong,
                                                kTooLong,
                                                kTooLong,
                                                kTwoConts,
                                                kTwoConts,
                                                kTwoConts,
                                                kTwoConts,
                                                kTooShort | kOverlong2,
                                                kTooShort,
                                                kTooShort | kOverlong3 | kSurrogate,
                                                kTooShort | kTooLarge | kTooLarge1000 | kOverlong4};
    static constexpr std::uint8_t k1Low[16] = {kCarry | kOverlong3 | kOverlong2 | kOverlong4,
                                               kCarry | kOverlong2,
                                               kCarry,
                                               kCarry,
                                               kCarry | kTooLarge,
                                               kCarry | kTooLarge | kTooLarge1000,
                                               kCarry | kTooLarge | kTooLarge1000,
                                               kCarry | kTooLarge | kTooLarge1000,
                                               kCarry | kTooLarge | kTooLarge1000,
                                               kCarry | kTooLarge | kTooLarge1000,
                                               kCarry | kTooLarge | kTooLarge1000,
                                               kCarry | kTooLarge | kTooLarge1000,
                                               kCarry | kTooLarge | kTooLarge1000,
                                               kCarry | kTooLarge | kTooLarge1000 | kSurrogate,
                                               kCarry | kTooLarge | kTooLarge1000,
                                               kCarry | kTooLarge | kTooLarge1000};
    static constexpr std::uint8_t k2High[16] = {
        kTooShort,
        kTooShort,
        kTooShort,
        kTooShort,
        kTooShort,
        kTooShort,
        kTooShort,
        kTooShort,
        kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge1000 | kOverlong4,
        kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge,
        kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge,
        kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge,
        kTooShort,
        kTooShort,
        kTooShort,
        kTooShort};
    byte_1_high = table(k1High);
    byte_1_low = table(k1Low);
    byte_2_high = table(k2High);
  }

  // Error bits of `current` (non-zero where it is invalid), given the block before it.
  __attribute__((target("avx2"))) __m256i errors(__m256i current, __m256i previous) const {
    __m256i prev1 = before<1>(current, previous);
    __m256i special = _mm256_and_si256(
        _mm256_and_si256(
            _mm256_shuffle_epi8(byte_1_high, high_nibbles(prev1)),
            _mm256_shuffle_epi8(byte_1_low, _mm256_and_si256(prev1, _mm256_set1_epi8(0x0F)))),
        _mm256_shuffle_epi8(byte_2_high, high_nibbles(current)));
    // Only E0..FF two before, or F0..FF three before, reach 0x80 after these subtractions.
    __m256i third = _mm256_subs_epu8(before<2>(current, previous), _mm256_set1_epi8(0xE0 - 0x80));
    __m256i fourth = _mm256_subs_epu8(before<3>(current, previous), _mm256_set1_epi8(0xF0 - 0x80));
    __m256i must_23 = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8(0x80));
    __m256i nul = _mm256_cmpeq_epi8(current, _mm256_setzero_si256());
    return _mm256_or_si256(_mm256_xor_si256(must_23, special), nul);
  }
};

__attribute__((target("avx2"))) bool valid(const unsigned char* bytes, std::size_t size) {
  static const Checker checker;
  __m256i previous = _mm256_setzero_si256();
  __m256i errors = _mm256_setzero_si256();
  std::size_t at = 0;
  for (; at + 32 <= size; at += 32) {
    __m256i current = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + at));
    errors = _mm256_or_si256(errors, checker.errors(current, previous));
    previous = current;
  }
  alignas(32) unsigned char last[32];
  std::memset(last, ' ', sizeof last);
  std::memcpy(last, bytes + at, size - at);
  __m256i current = _mm256_load_si256(reinterpret_cast<const __m256i*>(last));
  errors = _mm256_or_si256(errors, checker.errors(current, previous));
  return _mm256_testz_si256(errors, errors);
}

}  // namespace lookup

bool has_avx2() {
  static const bool supported = __builtin_cpu_supports("avx2");
  return supported;
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
  // Below one block the padded copy costs more than the word path saves.
  if (text.size() < 32 || !has_avx2()) return first_invalid_utf8_portable(text);
  if (lookup::valid(reinterpret_cast<const unsigned char*>(text.data()), text.size())) {
    return std::nullopt;
  }
  return locate_invalid_utf8(text);
}

std::optional<std::size_t> first_invalid_utf8_portable(std::string_view text) {
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
