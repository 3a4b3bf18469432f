// A finished run re-checked against the target as it is now: every chunk's digest recorded when
// it was copied (count and XXH3 sum of the source rows) against the target's rows of the same key
// range today; tables without a key (or whose key changed on the target) as a whole. Reads the
// target only, so it costs one read of the target's copied rows and nothing on the source. Used
// by a rerun of a finished `migrate` (exit 0 only if nothing changed) and by `--restart`, which
// refuses to drop tables written since the run finished. One connection, the caller's thread.
#pragma once

#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/migrate/migrate_options.hpp"
#include "engine/migrate/run_context.hpp"
#include "engine/model/table.hpp"

namespace pgshift {

struct FinishedRunCheck {
  std::vector<Table> tables;      // by the run's table_id, as the target's catalog has them
  std::vector<Mismatch> changed;  // Mismatch::table indexes `tables`
  int chunks_checked = 0;
};

// `mode` full compares digests; count (and off) compares row counts. Records what it read as each
// chunk's target_rows/target_digest, so status and the report show the target as it is now.
Task<Result<FinishedRunCheck>> recheck_finished_run(pg::Connection& target, VerifyMode mode);

// "public.a (chunks 0, 3), public.b (whole table)": the tables and chunks in `changed`.
std::string describe_changed(const FinishedRunCheck& check);

}  // namespace pgshift
