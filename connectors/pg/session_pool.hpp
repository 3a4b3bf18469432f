// Prepared sessions to one endpoint, kept open between the many short jobs of a run (table
// finishers, read-back lanes, foreign keys, ANALYZE). Opening a session costs a TCP (often TLS)
// handshake and a SCRAM exchange of thousands of HMAC rounds on both sides; a pooled session pays
// that once. A lease gives its connection back when it ends, but only if the connection is
// healthy, outside any transaction and not marked as holding session state (an advisory lock):
// anything else is closed, which also makes the server roll back what was in flight.
// Single-threaded: the pool and its leases are used on the io_context's thread only. The pool
// must outlive its leases, and its io_context must outlive the pool.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "connectors/pg/endpoint.hpp"

namespace pgshift::pg {

class SessionPool;

// Runs once on every new session, after the common session settings (kSessionSetup).
using SessionPrepare = std::function<Task<Status>(Connection&)>;

class PooledSession {
 public:
  PooledSession(SessionPool* pool, Connection connection)
      : pool_(pool), connection_(std::move(connection)) {}
  PooledSession(PooledSession&& other) noexcept
      : pool_(std::exchange(other.pool_, nullptr)),
        connection_(std::move(other.connection_)),
        holds_session_state_(other.holds_session_state_) {
    other.connection_.reset();
  }
  PooledSession& operator=(PooledSession&& other) noexcept;
  PooledSession(const PooledSession&) = delete;
  PooledSession& operator=(const PooledSession&) = delete;
  ~PooledSession() { give_back(); }

  Connection& operator*() { return *connection_; }
  Connection* operator->() { return &*connection_; }

  // While set, the connection is closed instead of reused (it holds a session-level lock or
  // setting the next user must not inherit).
  void set_holds_session_state(bool holds) { holds_session_state_ = holds; }

 private:
  void give_back();

  SessionPool* pool_ = nullptr;
  std::optional<Connection> connection_;
  bool holds_session_state_ = false;
};

class SessionPool {
 public:
  SessionPool(Endpoint endpoint, std::string label, SessionPrepare prepare = {},
              std::size_t max_idle = 16)
      : endpoint_(std::move(endpoint)),
        label_(std::move(label)),
        prepare_(std::move(prepare)),
        max_idle_(max_idle) {}

  // An idle session if there is one, else a new one.
  Task<Result<PooledSession>> acquire();

  std::size_t opened() const { return opened_; }

 private:
  friend class PooledSession;
  void put_back(Connection connection);

  Endpoint endpoint_;
  std::string label_;
  SessionPrepare prepare_;
  std::size_t max_idle_;
  std::size_t opened_ = 0;
  std::vector<Connection> idle_;
};

}  // namespace pgshift::pg
