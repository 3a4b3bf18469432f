// A libpq connection driven by Boost.Asio: non-blocking libpq, waiting on PQsocket() through a
// posix::stream_descriptor (released, never closed: libpq owns the socket). Move-only; owns its
// PGconn. Not thread-safe: one coroutine at a time uses a Connection, on the io_context's thread.
// Server errors come back as Error values carrying SQLSTATE; a dead socket as connection_lost, and
// so does a server that has stopped answering (see stall_check.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "connectors/pg/endpoint.hpp"
#include "connectors/pg/pg_handles.hpp"
#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"

namespace pgshift::pg {

class Connection {
 public:
  // `label` names the side in messages ("source", "target").
  static Task<Result<Connection>> open(const Endpoint& endpoint, std::string label,
                                       std::chrono::seconds timeout = std::chrono::seconds(15));
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
  // Returns once libpq has handed all of `data` to the socket (see connection.cpp for why).
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

 private:
  friend class Pipeline;  // drives libpq's pipeline mode with the same socket waits
  struct Waiter;
  Connection(PgConnHandle conn, std::unique_ptr<Waiter> waiter, std::string label);
  Task<Status> wait_readable();
  Task<Status> wait_writable();
  // Both wait here; a long wait is checked for a stalled server (stall_check.hpp).
  Task<Status> wait_socket(asio::posix::stream_descriptor::wait_type type);
  Task<Status> flush();
  // Reads results until the next COPY state or the end; keeps the first error.
  Task<Result<PgResult>> collect_results();
  Error connection_error(std::string_view doing) const;

  PgConnHandle conn_;
  std::unique_ptr<Waiter> waiter_;
  std::string label_;
  Endpoint endpoint_;  // for the stalled-server check's second connection
};

// Error from a failed PGresult: primary message, SQLSTATE, and the detail when useful.
Error error_from_result(const PGresult* result, std::string_view label);

}  // namespace pgshift::pg
