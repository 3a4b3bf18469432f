// Integration-test support for `pgshift plan`: one run with its stdout and its --report JSON, and
// the check that the plan left nothing behind in the target.
#pragma once

#include <string>
#include <vector>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {

struct Plan {
  RunResult run;
  std::string json;
  bool has(const std::string& text) const {
    return run.out.find(text) != std::string::npos || json.find(text) != std::string::npos;
  }
};

// `pgshift plan --source S --target T --jobs 2 --report <temp file> EXTRA...`.
Plan plan(const std::string& source, const std::string& target,
          std::vector<std::string> extra = {});

// The target holds nothing the plan put there: no schema, table or probe left behind.
void expect_untouched(const std::string& target);

}  // namespace pgshift::test
