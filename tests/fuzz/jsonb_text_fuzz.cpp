// Fuzz target: the one-pass canonical jsonb text against the full parser. Whatever the input,
// when the one-pass path answers, the full parser must accept the input and print the same
// text; and canonical text must be a fixed point (printing it again changes nothing). Inputs
// that are not valid UTF-8 are skipped, as the encoder checks UTF-8 before JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sqlite/jsonb_fast_path.hpp"
#include "connectors/sqlite/jsonb_text.hpp"
#include "connectors/sqlite/utf8.hpp"

using namespace pgshift::sqlite;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  if (first_invalid_utf8(json)) return 0;
  auto fast = fast_canonical_jsonb_text(json);
  auto full = parsed_canonical_jsonb_text(json);
  if (fast && (!full || *fast != *full)) std::abort();
  if (full) {
    auto again = parsed_canonical_jsonb_text(*full);
    if (!again || *again != *full) std::abort();
    auto fast_again = fast_canonical_jsonb_text(*full);
    if (fast_again && *fast_again != *full) std::abort();
  }
  return 0;
}

std::vector<std::vector<std::uint8_t>> fuzz_seeds() {
  std::vector<std::string> texts = {
      R"({"user": 9984, "page": "/posts/591", "ms": 676})",
      R"({"b":1, "a":[1,2.50,1e2], "a":{"x":null}})",
      R"([true,false,null,{"k":[[]]},"x",-12,0])",
      R"({"aa":1,"b":2,"a":3,"ab":{"z":[],"y":{}}})",
      R"("\u00e9\n\/\u001f\ud83d\ude00")",
      R"({"ключ": "значение", "k": -0, "e": 1E+2})",
      " [ 1 , [ 2 , { \"a\" : \"b\" } ] ] ",
      R"({"user": 5, "amount": 992.610, "currency": "EUR", "items": [-0.5, 0.0, 10]})",
      R"({"user": null, "code": 404, "msg": "failed: \"x\" \\ \/ \t\b\f\r\n"})",
  };
  std::vector<std::vector<std::uint8_t>> seeds;
  for (const auto& text : texts) seeds.emplace_back(text.begin(), text.end());
  return seeds;
}
