#include "engine/migrate/run_context.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/model/table.hpp"

namespace pgshift {

Task<Status> prepare_target_session(pg::Connection& target) {
  // Safe: everything a run commits on the target (a chunk, an index, a foreign key, ANALYZE)
  // commits together with its mark in the run state, so a commit lost in a target crash loses
  // both and the rerun redoes it. The run's last commit, which says it is done, is synchronous,
  // and flushing it flushes every commit before it (finalize.cpp).
  auto set = co_await target.query("SET synchronous_commit = off");
  if (!set) co_return fail(set.error());
  // Long values are compressed with lz4 rather than the built-in default pglz, which costs several
  // times the CPU on the way in and out; a default the DBA chose is kept. A server built without
  // lz4 refuses the setting, and pglz stays.
  auto compression = co_await target.query(
      "SELECT pg_catalog.set_config('default_toast_compression', 'lz4', false) "
      "WHERE pg_catalog.current_setting('default_toast_compression') = 'pglz'");
  if (!compression) spdlog::debug("target keeps pglz compression: {}", compression.error().message);
  co_return Status{};
}

void RunContext::build_stream_specs(const pg::TypeShapes& value_shapes) {
  specs.clear();
  for (auto& table : tables) {
    TableStreamSpec spec;
    spec.table = &table;
    spec.source_shapes = &source_shapes;
    spec.remap = &remap;
    for (auto& column : table.columns) {
      column.kind = value_shapes.kind(column.type_oid);
      if (column.generated) continue;
      spec.copied_kinds.push_back(column.kind);
      if ((column.kind == pg::ValueKind::kArray || column.kind == pg::ValueKind::kRecord) &&
          !remap.empty()) {
        spec.needs_remap = true;
      }
    }
    specs.push_back(std::move(spec));
  }
}

void RunContext::warn(std::string warning) {
  if (std::find(warnings.begin(), warnings.end(), warning) != warnings.end()) return;
  spdlog::warn("{}", warning);
  warnings.push_back(std::move(warning));
}

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
  return "table " + context.table_name(chunk.table_index) + " chunk " +
         std::to_string(chunk.number) + " " + describe_key_range(chunk);
}

}  // namespace pgshift
