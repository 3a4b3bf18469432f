// A replication connection (libpq `replication=database`) on Boost.Asio: creates and drops logical
// slots, and runs START_REPLICATION in CopyBoth mode, handing out one CopyData message at a time
// and sending standby status updates. Move-only; owns its Connection. One coroutine at a time, on
// the io_context's thread. Errors carry the SQLSTATE; a lost socket is connection_lost. After an
// Error from the stream the connection is done: open a new one.
// Silence: waiting in next_message does not use Connection's stalled-server check (a stream is
// silent for as long as the source has no changes). Instead, once nothing has arrived for
// kProbeAfterSilence, next_message sends a standby status asking for an immediate reply (repeating
// the positions last sent), and once nothing has arrived for kLostAfterSilence, the connection
// counts as lost. Silence alone would not do: a walsender whose client reports its status
// regularly sends no keepalives at all (it pings only wal_sender_timeout / 2 after the last reply).
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "connectors/pg/replication/lsn.hpp"

namespace pgshift::pg {

struct CreatedSlot {
  std::string name;
  Lsn consistent_point;
  // Valid only until the next command on the connection that created the slot, or its end:
  // import it (SET TRANSACTION SNAPSHOT) before doing anything else on that connection.
  std::string snapshot_name;
};

inline constexpr std::chrono::seconds kProbeAfterSilence{60};  // PostgreSQL's wal_sender_timeout
inline constexpr std::chrono::seconds kLostAfterSilence{2 * kProbeAfterSilence};

class ReplicationConnection {
 public:
  // Session settings as every pgshift connection (session.hpp): the walsender formats the text
  // values of decoded rows with them. application_name is pgshift.
  static Task<Result<ReplicationConnection>> open(const Endpoint& endpoint, std::string label);

  // CREATE_REPLICATION_SLOT `name` LOGICAL pgoutput exporting its snapshot (the PostgreSQL 15+
  // option syntax, EXPORT_SNAPSHOT before 15).
  // A temporary slot is dropped when this connection ends (its snapshot is what is wanted).
  Task<Result<CreatedSlot>> create_slot(std::string_view name, bool temporary = false);
  // START_REPLICATION SLOT `slot` LOGICAL `from` (proto_version '1', publication_names,
  // messages 'true' from PostgreSQL 14, which added them); the stream begins at the later of
  // `from` and the slot's confirmed LSN.
  Task<Status> start(std::string_view slot, Lsn from, std::string_view publication);
  // The next CopyData message into `out` (replaced). Returns false if none came within `wait`
  // (the caller then sends its status); an Error when the stream or the connection ended.
  Task<Result<bool>> next_message(std::vector<std::byte>& out, std::chrono::milliseconds wait);
  // Sends one CopyData message (a standby status update) and flushes it. The positions of a
  // standby status are remembered for the silence probe.
  Task<Status> send(std::span<const std::byte> copy_data);

  Connection& connection() { return connection_; }

 private:
  explicit ReplicationConnection(Connection connection);
  // After next_message found nothing: probes or gives up on a silent stream (see above).
  Task<Status> check_silence();
  // The stream ended (PQgetCopyData returned -1): the server's reason as an Error.
  Task<Error> stream_end_error();

  Connection connection_;
  std::chrono::steady_clock::time_point last_received_;
  bool probe_sent_ = false;
  Lsn status_written_, status_flushed_, status_applied_;  // as last sent
};

}  // namespace pgshift::pg
