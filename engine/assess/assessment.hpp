// The whole assessment of one source/target pair, as plain values: both servers and their
// providers, the inventory, the chunk plan with its estimate, the findings (blockers, warnings,
// notes), zero-downtime readiness and what is left out. `judge` turns the facts read from the two
// servers into findings and readiness; it is pure, so `pgshift plan` and its tests share it.
#pragma once

#include <string>
#include <vector>

#include "engine/assess/estimate.hpp"
#include "engine/assess/facts.hpp"
#include "engine/assess/finding.hpp"
#include "engine/assess/provider.hpp"
#include "engine/assess/readiness.hpp"

namespace pgshift::assess {

struct TablePlan {
  TableFacts facts;
  int chunks = 0;
  bool keyless = false;
  double estimated_seconds = 0;  // single stream
};

struct LeftOut {
  std::vector<std::string> schemas;
  std::vector<std::string> roles;
  std::vector<std::string> extensions;  // "name (schema)"
};

struct Assessment {
  std::string source_display, target_display;
  ServerFacts source, target;
  Detection source_provider, target_provider;
  Inventory inventory;
  std::vector<TablePlan> tables;
  int jobs = 1;
  Estimate estimate;
  std::vector<SampleTiming> samples;
  std::string write_mode;
  std::vector<Finding> findings;  // blockers first, then warnings, then notes
  Readiness readiness;
  LeftOut left_out;
};

struct JudgeOptions {
  bool keep_owners = false;
  bool tables_filtered = false;  // --include-table given: pg_dump creates no schemas
  std::string pg_dump_refusal;   // check_pg_dump_supports' message, when it refused
};

// Fills findings, readiness and left-out extensions/roles of `assessment` (whose servers,
// providers, inventory and left-out schemas are set) from the source's and target's facts.
void judge(Assessment& assessment, const SourceFacts& source, const TargetFacts& target,
           const JudgeOptions& options);

// The extensions a migration creates on the target: those outside left-out schemas.
std::vector<ExtensionFact> extensions_to_create(const std::vector<ExtensionFact>& installed,
                                                const std::vector<std::string>& left_out_schemas);

}  // namespace pgshift::assess
