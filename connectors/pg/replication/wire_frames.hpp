// The framing of a logical replication stream (START_REPLICATION in CopyBoth mode): each CopyData
// message from the server is XLogData ('w') or a primary keepalive ('k'); the client answers with
// standby status updates ('r'). Pure functions over byte spans: no I/O, any thread. A parsed
// XLogData's payload views the input bytes, which must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "connectors/pg/replication/lsn.hpp"
#include "engine/core/result.hpp"

namespace pgshift::pg::replication {

// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01 UTC).
inline constexpr std::int64_t kPostgresEpochOffsetMicros = 946'684'800'000'000;

struct XLogData {
  Lsn wal_start;                       // where this message's WAL begins
  Lsn wal_end;                         // the server's current end of WAL
  std::int64_t send_time_us = 0;       // server clock, microseconds since 2000-01-01
  std::span<const std::byte> payload;  // one pgoutput message
};

struct Keepalive {
  Lsn wal_end;
  std::int64_t send_time_us = 0;
  bool reply_requested = false;  // answer at once, or wal_sender_timeout ends the connection
};

using Frame = std::variant<XLogData, Keepalive>;

// One CopyData message body from the server. A malformed or unknown frame is an Error naming
// what is wrong (never an exception, never a read past the span).
Result<Frame> parse_frame(std::span<const std::byte> copy_data);

// A standby status update ('r'). `flushed` moves the slot's confirmed_flush_lsn: never pass more
// than is durable where a rerun can find it (DESIGN invariant 5).
std::vector<std::byte> standby_status(Lsn written, Lsn flushed, Lsn applied, std::int64_t now_us,
                                      bool reply_requested = false);

// Now, in the server's timestamp unit (microseconds since 2000-01-01 UTC).
std::int64_t postgres_now_us();

}  // namespace pgshift::pg::replication
