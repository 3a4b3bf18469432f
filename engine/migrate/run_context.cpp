#include "engine/migrate/run_context.hpp"

#include "engine/plan/chunk_sql.hpp"

namespace pgshift {
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

std::string describe_chunk(const RunContext& context, const Chunk& chunk) {
  return "table " + context.table_name(chunk.table) + " chunk " + std::to_string(chunk.number) +
         " " + plan::describe_key_range(chunk);
}

}  // namespace pgshift
