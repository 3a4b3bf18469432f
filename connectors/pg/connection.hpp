// A libpq connection driven by Boost.Asio: non-blocking libpq, waiting through a
// posix::stream_descriptor on a duplicate of PQsocket() (libpq owns its socket and may close it;
// the duplicate's number stays ours, so no other socket's wait is ever disturbed). Move-only; owns
// its PGconn. Not thread-safe: one coroutine at a time uses a Connection, on the io_context's
// thread. Server errors come back as Error values carrying SQLSTATE; a dead socket as
// connection_lost, and so does a server that has stopped answering (see stall_check.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "connectors/pg/endpoint.hpp"
#include "connectors/pg/pg_handles.hpp"
#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"

namespace pgshift::pg {

// Extra conninfo keywords and values, e.g. {{"replication", "database"}}.
using ConninfoOverrides = std::vector<std::pair<std::string, std::string>>;

class Connection {
 public:
  // `label` names the side in messages ("source", "target"). `overrides` come after the
  // endpoint's conninfo, so they win over the user's values for the same keywords; they must hold
  // no secret (failures name the endpoint by display() only). The stalled-server check's second
  // connection is a plain one, without them.
  static Task<Result<Connection>> open(const Endpoint& endpoint, std::string label,
                                       std::chrono::seconds timeout = std::chrono::seconds(15),
                                       const ConninfoOverrides& overrides = {});
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  // Simple-query protocol; several statements allowed; returns the last statement's result.
  Task<Result<PgResult>> query(std::string_view sql);
  // Extended protocol with text parameters (std::nullopt = NULL).
  Task<Result<PgResult>> query(std::string_view sql,
                               const std::vector<std::optional<std::string>>& params);

  Task<Status> begin_copy_out(std::string_view copy_to_stdout_sql);
  // Appends whole CopyData messages to `out` until it holds `want` bytes or the COPY ended.
  // Returns false once the COPY has ended (and the command completed without error).
  Task<Result<bool>> read_copy(std::vector<std::byte>& out, std::size_t want);

  Task<Status> begin_copy_in(std::string_view copy_from_stdin_sql);
  // Returns once libpq has handed all of `data` to the socket (see connection.cpp for why). Also
  // sends one CopyData message in CopyBoth mode (a replication stream's standby status).
  Task<Status> write_copy(std::span<const std::byte> data);
  // Ends the COPY; returns the rows the server stored.
  Task<Result<long long>> end_copy_in();
  // Aborts an in-progress COPY IN; the surrounding transaction becomes aborted.
  Task<Status> abort_copy_in(std::string_view reason);

  int server_version() const;
  bool healthy() const;
  const std::string& label() const { return label_; }
  // Sends a cancel request for the running statement (blocking, short; used at shutdown).
  void cancel_running();
  PGconn* raw() const { return conn_.get(); }

  // For callers that drive libpq themselves (a replication stream, waiting on PQgetCopyData):
  // waits at most `limit` for the socket to become readable and consumes what arrived (true), or
  // returns false at the limit. No stalled-server check: a silent replication stream is normal, so
  // the caller judges silence itself. A closed socket is an Error with connection_lost.
  Task<Result<bool>> wait_readable_for(std::chrono::milliseconds limit);
  // An Error from libpq's last message for what was being done (`doing`); connection_lost when
  // the socket is gone.
  Error connection_error(std::string_view doing) const;

 private:
  friend class Pipeline;  // drives libpq's pipeline mode with the same socket waits
  struct Waiter;
  Connection(PgConnHandle conn, std::unique_ptr<Waiter> waiter, std::string label);
  Task<Status> wait_readable();
  Task<Status> wait_writable();
  // Both wait here; a long wait is checked for a stalled server (stall_check.hpp).
  Task<Status> wait_socket(asio::posix::stream_descriptor::wait_type type);
  // One wait for `type`, at most `limit` (0: no limit); false when the limit passed.
  Task<Result<bool>> wait_socket_once(asio::posix::stream_descriptor::wait_type type,
                                      std::chrono::milliseconds limit);
  Task<Status> flush();
  // Reads results until the next COPY state or the end; keeps the first error.
  Task<Result<PgResult>> collect_results();

  PgConnHandle conn_;
  std::unique_ptr<Waiter> waiter_;
  std::string label_;
  Endpoint endpoint_;  // for the stalled-server check's second connection
};

// Error from a failed PGresult: primary message, SQLSTATE, and the detail when useful.
Error error_from_result(const PGresult* result, std::string_view label);

}  // namespace pgshift::pg
