// Fuzz target: the UTF-8 check (utf8.hpp). The dispatched path (AVX2 where the CPU has it) and the
// portable one must give the same answer on any bytes, and a reported offset must split the text
// into a valid prefix and a rest that is not valid from its first byte on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sqlite/utf8.hpp"

namespace {

[[noreturn]] void invariant_broken() {
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto dispatched = pgshift::sqlite::first_invalid_utf8(text);
  auto portable = pgshift::sqlite::first_invalid_utf8_portable(text);
  if (dispatched != portable) invariant_broken();
  if (dispatched) {
    if (*dispatched >= size) invariant_broken();
    if (pgshift::sqlite::first_invalid_utf8_portable(text.substr(0, *dispatched))) {
      invariant_broken();
    }
    if (pgshift::sqlite::first_invalid_utf8(text.substr(*dispatched)) != std::size_t{0}) {
      invariant_broken();
    }
  }
  return 0;
}

std::vector<std::vector<std::uint8_t>> fuzz_seeds() {
  std::vector<std::vector<std::uint8_t>> seeds;
  for (std::string text :
       {std::string("plain ascii, a little longer than one block of 32"),
        std::string("Größe café 日本語 🚀 naïve Привет, twice: Größe café 日本語 🚀"),
        std::string("\xf0\x9f\x9a\x80\xe6\x97\xa5\xc3\xa9") + std::string(29, 'x'),
        std::string(31, 'a') + "\xe2\x9c\x93" + std::string(30, 'b')}) {
    seeds.emplace_back(text.begin(), text.end());
  }
  return seeds;
}
