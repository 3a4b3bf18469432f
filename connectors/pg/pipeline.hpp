// libpq pipeline mode on a Connection: statements are queued without waiting for their results,
// so a stream of small statements costs no network round trip each. The pipeline syncs every
// `statements_per_sync` statements or `bytes_per_sync` parameter bytes and keeps at most
// `syncs_in_flight` synced groups unanswered (bounded memory on both ends); results are read as
// they come and handed to the result handler, in queue order, with the caller's tag.
// The first failing statement is kept as the pipeline's error, named by the statement's label;
// the server skips the rest of that sync group (and an explicit transaction is then aborted).
// Borrows the Connection (which must outlive it and is used by nobody else while the pipeline is
// active: between the first queued statement and drain()); labels must outlive their results.
// One coroutine at a time, on the connection's io_context thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "connectors/pg/connection.hpp"

namespace pgshift::pg {

class Pipeline {
 public:
  struct Limits {
    std::size_t statements_per_sync = 500;
    std::size_t bytes_per_sync = 1 << 20;
    std::size_t syncs_in_flight = 2;
  };
  // Called for each statement's successful result (not for prepares, nor for failed statements).
  using ResultHandler = std::function<void(std::uint32_t tag, const PGresult* result)>;

  Pipeline(Connection& connection, ResultHandler on_result, Limits limits);
  explicit Pipeline(Connection& connection, ResultHandler on_result = {})
      : Pipeline(connection, std::move(on_result), Limits{}) {}
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Queues the preparation of a named statement; `parameter_types` as in PQprepare (0 = let the
  // server infer).
  Task<Status> prepare(const std::string& name, const std::string& sql,
                       std::span<const Oid> parameter_types, const std::string* label);
  // Queues an execution of a prepared statement; text parameters, nullptr = NULL.
  Task<Status> execute_prepared(const std::string& name, std::span<const char* const> parameters,
                                std::size_t parameter_bytes, std::uint32_t tag,
                                const std::string* label);
  // Queues one statement with no parameters (BEGIN, TRUNCATE ...); `sql` is copied.
  Task<Status> execute(const std::string& sql, std::uint32_t tag, const std::string* label);

  // Syncs, reads every outstanding result and leaves pipeline mode, so the Connection's own
  // query() works again. Returns the first error of any statement since the last drain().
  Task<Status> drain();

  bool active() const { return active_; }

 private:
  struct Pending {
    bool is_sync = false;
    bool is_prepare = false;
    std::uint32_t tag = 0;
    const std::string* label = nullptr;
  };
  Status enter();
  // After a statement was handed to libpq: counts it, and syncs and waits when a limit is reached.
  Task<Status> queued(Pending pending, std::size_t bytes);
  Status sync();
  // Handles results that arrived without waiting; with `wait`, until `syncs_unanswered_` <= keep.
  Task<Status> read_results(bool wait, std::size_t keep);
  void handle(PgResult result);
  Status sticky_error() const;

  Connection& connection_;
  ResultHandler on_result_;
  Limits limits_;
  bool active_ = false;
  std::deque<Pending> pending_;  // in queue order, syncs included
  std::size_t statements_since_sync_ = 0;
  std::size_t bytes_since_sync_ = 0;
  std::size_t syncs_unanswered_ = 0;
  std::optional<Error> error_;
};

}  // namespace pgshift::pg
