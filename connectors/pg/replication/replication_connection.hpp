// A replication connection (libpq `replication=database`) on Boost.Asio: creates and drops logical
// slots, and runs START_REPLICATION in CopyBoth mode, handing out one CopyData message at a time
// and sending standby status updates. Move-only; owns its Connection. One coroutine at a time, on
// the io_context's thread. Errors carry the SQLSTATE; a lost socket is connection_lost.
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

class ReplicationConnection {
 public:
  static Task<Result<ReplicationConnection>> open(const Endpoint& endpoint, std::string label);

  // CREATE_REPLICATION_SLOT `name` LOGICAL pgoutput exporting its snapshot (the PostgreSQL 15+
  // option syntax, EXPORT_SNAPSHOT before 15).
  Task<Result<CreatedSlot>> create_slot(std::string_view name);
  // START_REPLICATION SLOT `slot` LOGICAL `from` (proto_version '1', publication_names,
  // messages 'true'); the stream begins at the later of `from` and the slot's confirmed LSN.
  Task<Status> start(std::string_view slot, Lsn from, std::string_view publication);
  // The next CopyData message into `out` (replaced). Returns false if none came within `wait`
  // (the caller then sends its status); an Error when the stream or the connection ended.
  Task<Result<bool>> next_message(std::vector<std::byte>& out, std::chrono::milliseconds wait);
  // Sends one CopyData message (a standby status update) and flushes it.
  Task<Status> send(std::span<const std::byte> copy_data);

  Connection& connection() { return connection_; }

 private:
  explicit ReplicationConnection(Connection connection);
  Connection connection_;
};

}  // namespace pgshift::pg
