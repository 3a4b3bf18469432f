// Copying one large object from a source session to a target session, keeping its OID: in one
// target transaction the object is created if missing (else emptied, keeping its owner and
// grants) and written piece by piece
// (kLargeObjectPiece bytes a round trip, as hex text), so a retry or a rerun converges. Returns
// the digest of the bytes read (verify/large_objects.hpp). Used by migrate's finishing steps and
// by cutover, which brings the target's objects level with the source's (no change stream
// carries them). Borrows both connections; the target's must be outside a transaction.
#pragma once

#include <cstdint>

#include "connectors/pg/connection.hpp"
#include "verify/large_objects.hpp"

namespace pgshift {

Task<Result<verify::LargeObjectDigest>> copy_large_object(pg::Connection& reader,
                                                          pg::Connection& target,
                                                          std::uint32_t oid);

// Removes object `oid` from the target, if there.
Task<Status> remove_large_object(pg::Connection& target, std::uint32_t oid);

}  // namespace pgshift
