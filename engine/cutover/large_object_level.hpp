// Large objects travel in no change stream (logical decoding does not carry pg_largeobject): the
// target holds those of the copy's snapshot. Cutover brings them level: every object on both sides
// is digested (verify/large_objects.hpp) and each that differs is copied again whole, keeping its
// OID, or removed from the target when the source no longer has it. Run while writes still flow
// (most of the copying happens there), and again once frozen (only what changed in between is
// copied then; the digests are read again, which is what this step adds to the window). Runs on
// the cutover's event loop, on its sessions.
#pragma once

#include <cstdint>

#include "connectors/pg/connection.hpp"

namespace pgshift::cutover {

struct LargeObjectLevel {
  std::size_t objects = 0;  // on the source
  std::size_t copied = 0;
  std::size_t removed = 0;
  std::uint64_t bytes_copied = 0;
};

Task<Result<LargeObjectLevel>> level_large_objects(pg::Connection& source, pg::Connection& target);

}  // namespace pgshift::cutover
