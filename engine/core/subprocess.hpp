// Runs a child program to completion (blocking), with extra environment variables, capturing
// stdout and stderr. Used for pg_dump/pg_restore before and after the pipeline runs, never on the
// event loop while chunks are in flight, and for cutover's hooks. The child gets standard input,
// output and error only: none of pgshift's other descriptors.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/core/result.hpp"

namespace pgshift {

struct ProcessOutput {
  int exit_status = -1;
  std::string out;
  std::string err;
};

Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  const std::map<std::string, std::string>& extra_env = {},
                                  const std::string& stdout_path = {});

}  // namespace pgshift
