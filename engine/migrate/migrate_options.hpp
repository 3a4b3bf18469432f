// What a migrate run (and sync's snapshot copy, which is the same pipeline) is told on the
// command line beyond the common options, with the documented defaults.
#pragma once

#include <cstddef>
#include <string>

#include "engine/command/common_options.hpp"

namespace pgshift {

enum class VerifyMode { kFull, kCount, kOff };

struct MigrateOptions : CommonOptions {
  VerifyMode verify = VerifyMode::kFull;
  bool restart = false;
  bool force = false;  // --restart drops a finished run's tables even if written since
  bool keep_owners = false;
  std::size_t queue_bytes = 4 << 20;  // per worker, between reader and writer
  int max_retries = 5;
  std::string maintenance_work_mem;  // empty: the target server's own setting
};

const char* verify_mode_name(VerifyMode mode);

}  // namespace pgshift
