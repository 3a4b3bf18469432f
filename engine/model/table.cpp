#include "engine/model/table.hpp"

namespace pgshift {
namespace {

std::string key_text(const KeyValue& value) {
  std::string out = "(";
  for (std::size_t i = 0; i < value.size(); ++i) out += (i ? ", " : "") + value[i];
  return out + ")";
}

}  // namespace

std::string describe_key_range(const Chunk& chunk) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "literal" + string.
  std::string out;
  if (chunk.first_page || chunk.end_page) {
    out = "pages [";
    out += chunk.first_page ? std::to_string(*chunk.first_page) : "start";
    out += ", ";
    out += chunk.end_page ? std::to_string(*chunk.end_page) : "end";
  } else if (chunk.whole_table()) {
    return "whole table";
  } else {
    out = "[";
    out += chunk.lower ? key_text(*chunk.lower) : "start";
    out += ", ";
    out += chunk.upper ? key_text(*chunk.upper) : "end";
  }
  out += ")";
  return out;
}

}  // namespace pgshift
