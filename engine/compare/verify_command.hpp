// `pgshift verify`: compares two live databases without writing to either. Each side is read in
// read-only transactions at one exported snapshot; tables are compared chunk by chunk (same key
// ranges on both sides, digests computed concurrently), differing chunks are split down to the
// exact keys, and differing keys are re-checked outside the snapshots to tell changing rows from
// real differences. Returns the exit status of CLI.md (0 equal, 1 differences).
#pragma once

#include "engine/compare/verify_options.hpp"

namespace pgshift {

int run_verify_command(VerifyOptions options);

}  // namespace pgshift
