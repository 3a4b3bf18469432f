// What `pgshift verify` is told: only the common options (endpoints, filter, jobs, chunk size,
// report, SQLite value reading); verify writes nothing, so it has no copy or retry settings.
#pragma once

#include "engine/command/common_options.hpp"

namespace pgshift {

struct VerifyOptions : CommonOptions {};

}  // namespace pgshift
