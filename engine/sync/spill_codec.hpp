// The spill's segment format: a run of pgoutput messages as they arrived, each framed with its WAL
// position, then zstd-compressed. A segment is what one spill row holds (sync_state.hpp). Pure
// functions; any thread.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "connectors/pg/replication/lsn.hpp"
#include "engine/core/result.hpp"

namespace pgshift::sync {

// Appends one message (Int64 WAL position, Int32 length, the bytes) to an uncompressed segment.
void append_spill_message(std::vector<std::byte>& segment, pg::Lsn wal_start,
                          std::span<const std::byte> message);

std::vector<std::byte> compress_segment(std::span<const std::byte> segment);
// `raw_size` is the uncompressed size recorded with the segment (a bound on what is allocated).
Result<std::vector<std::byte>> decompress_segment(std::span<const std::byte> compressed,
                                                  std::size_t raw_size);

struct SpilledMessage {
  pg::Lsn wal_start;
  std::span<const std::byte> bytes;  // views the segment
};

// Splits an uncompressed segment into its messages; a malformed segment is an Error.
Result<std::vector<SpilledMessage>> split_segment(std::span<const std::byte> segment);

}  // namespace pgshift::sync
