#include "engine/migrate/run_context.hpp"

namespace pgshift {
namespace {

std::string key_text(const KeyValue& value) {
  std::string out = "(";
  for (std::size_t i = 0; i < value.size(); ++i) out += (i ? ", " : "") + value[i];
  return out + ")";
}

}  // namespace

const char* verify_mode_name(VerifyMode mode) {
  switch (mode) {
    case VerifyMode::kFull:
      return "full";
    case VerifyMode::kCount:
      return "count";
    case VerifyMode::kOff:
      return "off";
  }
  return "full";
}

std::string describe_key_range(const Chunk& chunk) {
  if (chunk.first_page || chunk.end_page) {
    return "pages [" + (chunk.first_page ? std::to_string(*chunk.first_page) : "start") + ", " +
           (chunk.end_page ? std::to_string(*chunk.end_page) : "end") + ")";
  }
  if (chunk.whole_table()) return "whole table";
  return "[" + (chunk.lower ? key_text(*chunk.lower) : "start") + ", " +
         (chunk.upper ? key_text(*chunk.upper) : "end") + ")";
}

std::string describe_chunk(const RunContext& context, const Chunk& chunk) {
  return "table " + context.table_name(chunk.table) + " chunk " + std::to_string(chunk.number) +
         " " + describe_key_range(chunk);
}

}  // namespace pgshift
