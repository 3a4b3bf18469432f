// What `pgshift verify` is told: the common options (endpoints, filter, jobs, chunk size, report,
// SQLite value reading) and where rows are hashed; verify writes nothing, so it has no copy or
// retry settings.
#pragma once

#include "engine/command/common_options.hpp"

namespace pgshift {

// kServer: each PostgreSQL server digests its own rows (engine/compare/server_digest.hpp), where
// both are 14 or newer; kClient: pgshift reads and hashes every row (the canonical encoding).
enum class RowHash { kServer, kClient };

struct VerifyOptions : CommonOptions {
  RowHash row_hash = RowHash::kServer;
};

}  // namespace pgshift
