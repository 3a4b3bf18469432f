#include "connectors/pg/session_pool.hpp"

#include <libpq-fe.h>
#include <sys/socket.h>

#include <cerrno>

#include "connectors/pg/session.hpp"

namespace pgshift::pg {
namespace {

// An idle session hears nothing from its server unless the server is ending it (a restart, an
// administrator, an idle timeout: an error message, then the end of the stream). A peek at the
// socket tells without reading anything libpq would miss.
bool quiet_while_idle(const Connection& connection) {
  int socket = PQsocket(connection.raw());
  if (socket < 0) return false;
  char byte;
  ssize_t got = ::recv(socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

PooledSession& PooledSession::operator=(PooledSession&& other) noexcept {
  if (this != &other) {
    give_back();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::move(other.connection_);
    other.connection_.reset();
    holds_session_state_ = other.holds_session_state_;
  }
  return *this;
}

void PooledSession::give_back() {
  if (pool_ && connection_ && !holds_session_state_) pool_->put_back(std::move(*connection_));
  connection_.reset();
  pool_ = nullptr;
}

void SessionPool::put_back(Connection connection) {
  bool idle = connection.healthy() && PQtransactionStatus(connection.raw()) == PQTRANS_IDLE;
  if (idle && idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

Task<Result<PooledSession>> SessionPool::acquire() {
  while (!idle_.empty()) {
    Connection connection = std::move(idle_.back());
    idle_.pop_back();
    if (connection.healthy() && quiet_while_idle(connection)) {
      co_return PooledSession(this, std::move(connection));
    }
  }
  auto opened = co_await open_session(endpoint_, label_);
  if (!opened) co_return fail(opened.error());
  if (prepare_) {
    if (auto prepared = co_await prepare_(*opened); !prepared) co_return fail(prepared.error());
  }
  ++opened_;
  co_return PooledSession(this, std::move(*opened));
}

}  // namespace pgshift::pg
