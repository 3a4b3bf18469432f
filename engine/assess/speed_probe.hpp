// A short measured sample of how fast these two servers move this data: a few MB of each of the
// largest tables read from the source with binary COPY (inside the caller's read-only
// transaction), written to the target with binary COPY and read back, inside a target transaction
// that is always rolled back, so nothing is left behind. Timings feed estimate.hpp.
#pragma once

#include <string>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/assess/estimate.hpp"
#include "engine/model/table.hpp"

namespace pgshift::assess {

struct ProbeOptions {
  std::int64_t bytes_per_table = 16LL << 20;  // of table data (heap + TOAST), per sampled table
  int max_tables = 6;
  double seconds_budget = 15;  // stop sampling more tables after this long
};

struct ProbeTable {
  const Table* table = nullptr;
  double rows = 0;  // estimated (or exact) rows of the table
};

struct ProbeResult {
  std::vector<SampleTiming> samples;
  std::string write_mode;  // how the target sample was written, for the report
  std::vector<std::string> notes;
};

// `tables`: largest first, readable ones only. `target` may be null (no write sample).
Task<ProbeResult> measure_speeds(pg::Connection& source, pg::Connection* target,
                                 const std::vector<ProbeTable>& tables,
                                 const ProbeOptions& options);

}  // namespace pgshift::assess
