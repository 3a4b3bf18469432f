// Test-only fault injection, for the tests that prove a failing task cannot hang or silence a
// run. PGSHIFT_FAULT=<point>[,<point>...] (read once per process) makes fault_point(<point>)
// throw std::runtime_error("injected fault: <point>"). Unset, fault_point costs one comparison.
// Points:
//   throw-in-copy-lane    migrate: a copy worker, right after it claimed a chunk
//   throw-in-copy-read    migrate: the reading side of a chunk copy, while its writer runs
//   throw-in-slot-task    migrate: a background target job (table finisher, early foreign key)
//   throw-in-target-lane  migrate: a lane running target statements in parallel (finishing steps)
//   throw-in-verify-lane  verify: a compare worker, before each chunk
//   throw-in-verify-read  verify: the target-side reader of a chunk's digest
// Not for users: it exists only so those tests can fail on purpose.
#pragma once

#include <string_view>

namespace pgshift {

void fault_point(std::string_view point);

}  // namespace pgshift
