#include "connectors/pg/connection.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "connectors/pg/stall_check.hpp"

namespace pgshift::pg {
namespace {

std::string first_line(std::string text) {
  for (const char* prefix : {"ERROR:  ", "FATAL:  "}) {
    if (text.starts_with(prefix)) text.erase(0, std::strlen(prefix));
  }
  auto newline = text.find('\n');
  if (newline != std::string::npos) {
    // libpq prefixes "connection to server at ... failed: " and puts FATAL on the same line.
    text.erase(newline);
  }
  return text;
}

// Server notices ("drop cascades to ...", "relation ... already exists, skipping") go to the debug
// log: libpq's default processor prints them raw on stderr, among pgshift's own lines.
void route_notice(void*, const PGresult* notice) {
  const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY);
  const char* primary = PQresultErrorField(notice, PG_DIAG_MESSAGE_PRIMARY);
  spdlog::debug("server {}: {}", severity ? severity : "NOTICE",
                primary ? primary : first_line(PQresultErrorMessage(notice)));
}

}  // namespace

// Owns the stream_descriptor wrapped around libpq's socket; re-wrapped if libpq changes sockets
// (while connecting it can do so under the same fd number: see Connection::open).
// Waits on a duplicate of libpq's socket, never on libpq's own descriptor: libpq closes its socket
// when the connection is lost, and the next socket opened (often the replacement connection's)
// takes the same number. Releasing a descriptor registered under that number would then drop the
// new socket's registration from the reactor, and its wait would never end. A duplicate's number
// stays ours until we close it.
struct Connection::Waiter {
  explicit Waiter(asio::any_io_executor executor) : descriptor(executor) {}
  ~Waiter() { reset(); }
  void reset() {
    boost::system::error_code ignored;
    if (descriptor.is_open()) descriptor.close(ignored);
    libpq_fd = -1;
  }
  bool attach(int new_fd) {
    if (new_fd == libpq_fd && descriptor.is_open()) return true;
    reset();
    if (new_fd < 0) return false;
    int copy = ::fcntl(new_fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return false;
    boost::system::error_code ec;
    descriptor.assign(copy, ec);
    if (ec) {
      ::close(copy);
      return false;
    }
    libpq_fd = new_fd;
    return true;
  }
  asio::posix::stream_descriptor descriptor;
  int libpq_fd = -1;  // the libpq socket `descriptor` duplicates
};

Error error_from_result(const PGresult* result, std::string_view label) {
  Error error;
  error.kind = ErrorKind::kRuntime;
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
  error.sqlstate = state ? state : "";
  error.message =
      std::string(label) + ": " + (primary ? primary : first_line(PQresultErrorMessage(result)));
  if (detail) error.message += " (" + first_line(detail) + ")";
  if (!error.sqlstate.empty()) error.message += " [SQLSTATE " + error.sqlstate + "]";
  return error;
}

Connection::Connection(PgConnHandle conn, std::unique_ptr<Waiter> waiter, std::string label)
    : conn_(std::move(conn)), waiter_(std::move(waiter)), label_(std::move(label)) {
  if (conn_) PQsetNoticeReceiver(conn_.get(), route_notice, nullptr);
}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    waiter_.reset();
    conn_ = std::move(other.conn_);
    waiter_ = std::move(other.waiter_);
    label_ = std::move(other.label_);
    endpoint_ = std::move(other.endpoint_);
  }
  return *this;
}
Connection::~Connection() {
  waiter_.reset();
}

Task<Result<Connection>> Connection::open(const Endpoint& endpoint, std::string label,
                                          std::chrono::seconds timeout,
                                          const ConninfoOverrides& overrides) {
  auto executor = co_await asio::this_coro::executor;
  // TCP keepalives, so a session idle for long (the one holding the run's exported snapshot) is
  // not dropped by a NAT or load balancer on the way, and a peer that vanished is noticed. They
  // come before the endpoint's own conninfo, which libpq expands in its place: the user's values
  // win over them, and the caller's overrides, which come after, win over the user's.
  std::vector<const char*> keywords = {"keepalives", "keepalives_idle", "keepalives_interval",
                                       "keepalives_count", "dbname"};
  std::vector<const char*> values = {"1", "60", "10", "6", endpoint.conninfo().c_str()};
  for (const auto& [keyword, value] : overrides) {
    keywords.push_back(keyword.c_str());
    values.push_back(value.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PgConnHandle conn(PQconnectStartParams(keywords.data(), values.data(), /*expand_dbname=*/1));
  if (!conn) co_return fail(ErrorKind::kRuntime, label + ": out of memory connecting");
  auto waiter = std::make_unique<Waiter>(executor);
  Connection connection(std::move(conn), std::move(waiter), label);
  connection.endpoint_ = endpoint;
  auto describe_failure = [&](std::string reason) {
    Error error{ErrorKind::kRuntime,
                "cannot connect to " + label + " " + endpoint.display() + ": " + reason,
                {},
                true};
    if (reason.find("password authentication failed") != std::string::npos ||
        reason.find("does not exist") != std::string::npos ||
        reason.find("no password supplied") != std::string::npos ||
        reason.find("no pg_hba.conf entry") != std::string::npos ||
        reason.find("replication role") != std::string::npos) {  // no REPLICATION attribute
      error.connection_lost = false;  // not transient: retrying will not help
      error.sqlstate = "28000";
    }
    // A certificate that does not verify, or names another host, will not on a retry either.
    if (reason.find("certificate") != std::string::npos ||
        reason.find("SSL error") != std::string::npos) {
      error.connection_lost = false;
    }
    return error;
  };
  if (PQstatus(connection.raw()) == CONNECTION_BAD) {
    co_return fail(describe_failure(first_line(PQerrorMessage(connection.raw()))));
  }
  // libpq's connect_timeout only applies to blocking connects, so the deadline is ours.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::steady_timer timer(executor);
  auto poll = PGRES_POLLING_WRITING;
  while (poll != PGRES_POLLING_OK) {
    if (poll == PGRES_POLLING_FAILED) {
      co_return fail(describe_failure(first_line(PQerrorMessage(connection.raw()))));
    }
    // Every step may have closed the socket and opened another (the next host of host=a,b, a
    // target_session_attrs or sslmode/gssencmode retry), often under the same fd number: the
    // reactor's registration died with the old socket, so register the current one afresh.
    connection.waiter_->reset();
    if (!connection.waiter_->attach(PQsocket(connection.raw()))) {
      co_return fail(describe_failure("no socket"));
    }
    // Wait for readiness, or give up at the deadline.
    // The handler may run after this frame is gone; it only touches shared state.
    auto timed_out = std::make_shared<bool>(false);
    auto waiting = std::make_shared<bool>(true);
    timer.expires_at(deadline);
    timer.async_wait(
        [timed_out, waiting, waiter = connection.waiter_.get()](boost::system::error_code ec) {
          if (!ec && *waiting) {
            *timed_out = true;
            waiter->descriptor.cancel();
          }
        });
    boost::system::error_code ec;
    co_await connection.waiter_->descriptor.async_wait(
        poll == PGRES_POLLING_READING ? asio::posix::stream_descriptor::wait_read
                                      : asio::posix::stream_descriptor::wait_write,
        asio::redirect_error(asio::use_awaitable, ec));
    *waiting = false;
    timer.cancel();
    if (*timed_out) {
      co_return fail(describe_failure("timed out after " + std::to_string(timeout.count()) + "s"));
    }
    poll = PQconnectPoll(connection.raw());
  }
  if (PQsetnonblocking(connection.raw(), 1) != 0) {
    co_return fail(describe_failure("cannot switch to non-blocking mode"));
  }
  connection.waiter_->attach(PQsocket(connection.raw()));
  co_return std::move(connection);
}

Error Connection::connection_error(std::string_view doing) const {
  Error error;
  error.kind = ErrorKind::kRuntime;
  error.connection_lost = !conn_ || PQstatus(conn_.get()) == CONNECTION_BAD;
  error.message = label_ + ": " + std::string(doing) + ": " +
                  (conn_ ? first_line(PQerrorMessage(conn_.get())) : "no connection");
  if (error.connection_lost && error.message.find("connection") == std::string::npos) {
    error.message += " (connection lost)";
  }
  return error;
}

Task<Status> Connection::wait_readable() {
  if (auto waited = co_await wait_socket(asio::posix::stream_descriptor::wait_read); !waited) {
    co_return waited;
  }
  if (!PQconsumeInput(conn_.get())) co_return fail(connection_error("reading"));
  co_return Status{};
}

Task<Status> Connection::wait_writable() {
  co_return co_await wait_socket(asio::posix::stream_descriptor::wait_write);
}

Task<Result<bool>> Connection::wait_readable_for(std::chrono::milliseconds limit) {
  // A limit of 0 would mean "no limit" below; the caller asked for a bounded wait.
  auto ready = co_await wait_socket_once(asio::posix::stream_descriptor::wait_read,
                                         std::max(limit, std::chrono::milliseconds(1)));
  if (!ready || !*ready) co_return ready;
  if (!PQconsumeInput(conn_.get())) co_return fail(connection_error("reading"));
  co_return true;
}

Task<Result<bool>> Connection::wait_socket_once(asio::posix::stream_descriptor::wait_type type,
                                                std::chrono::milliseconds limit) {
  if (!waiter_->attach(PQsocket(conn_.get()))) co_return fail(connection_error("waiting"));
  auto executor = co_await asio::this_coro::executor;
  // The handler may run after this frame is gone; it only touches shared state, and touches
  // the waiter only while `waiting` (which the frame clears, also when destroyed mid-wait).
  auto timed_out = std::make_shared<bool>(false);
  auto waiting = std::make_shared<bool>(true);
  struct ClearOnExit {
    std::shared_ptr<bool> flag;
    ~ClearOnExit() { *flag = false; }
  } clear_on_exit{waiting};
  asio::steady_timer timer(executor);
  if (limit.count() > 0) {
    timer.expires_after(limit);
    timer.async_wait([timed_out, waiting, waiter = waiter_.get()](boost::system::error_code ec) {
      if (!ec && *waiting) {
        *timed_out = true;
        waiter->descriptor.cancel();
      }
    });
  }
  boost::system::error_code ec;
  co_await waiter_->descriptor.async_wait(type, asio::redirect_error(asio::use_awaitable, ec));
  *waiting = false;
  timer.cancel();
  if (*timed_out) co_return false;
  if (ec) co_return fail(ErrorKind::kInterrupted, label_ + ": wait cancelled");
  co_return true;
}

// Waits until libpq's socket is ready for `type`. A wait longer than stall_timeout() is checked
// (see stall_check.hpp): if a new connection to the same server gets no answer within that time
// either, the server or the route has stalled and this connection counts as lost.
Task<Status> Connection::wait_socket(asio::posix::stream_descriptor::wait_type type) {
  for (;;) {
    auto limit = stall_timeout();
    auto ready = co_await wait_socket_once(type, limit);
    if (!ready) co_return fail(ready.error());
    if (*ready) co_return Status{};
    // Silent for `limit`: a long statement (an index build, a lock), or a server that stopped
    // answering. Only the second has no time for a new connection either.
    auto probe = co_await Connection::open(endpoint_, label_, limit);
    if (!probe && probe.error().message.find("timed out") != std::string::npos) {
      co_return fail(Error{ErrorKind::kRuntime,
                           label_ + ": stalled: nothing received for " +
                               std::to_string(limit.count()) +
                               " s and a new connection got no answer in " +
                               std::to_string(limit.count()) + " s either (--stall-timeout)",
                           {},
                           true});
    }
  }
}

Task<Status> Connection::flush() {
  for (;;) {
    int rc = PQflush(conn_.get());
    if (rc == 0) co_return Status{};
    if (rc < 0) co_return fail(connection_error("sending"));
    // The server may be waiting for us to read (a notice or an error) before it reads more.
    if (!PQconsumeInput(conn_.get())) co_return fail(connection_error("reading"));
    if (auto waited = co_await wait_writable(); !waited) co_return fail(waited.error());
  }
}

Task<Result<PgResult>> Connection::collect_results() {
  PgResult last;
  std::optional<Error> first_error;
  for (;;) {
    while (PQisBusy(conn_.get())) {
      if (auto waited = co_await wait_readable(); !waited) co_return fail(waited.error());
    }
    PgResult result(PQgetResult(conn_.get()));
    if (!result) break;
    auto status = PQresultStatus(result.get());
    // A COPY state repeats until the COPY ends: hand it to the caller.
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) {
      co_return std::move(result);
    }
    if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE) {
      if (!first_error) first_error = error_from_result(result.get(), label_);
      continue;
    }
    last = std::move(result);
  }
  if (first_error) {
    if (PQstatus(conn_.get()) == CONNECTION_BAD) first_error->connection_lost = true;
    co_return fail(std::move(*first_error));
  }
  if (PQstatus(conn_.get()) == CONNECTION_BAD) co_return fail(connection_error("query"));
  co_return std::move(last);
}

Task<Result<PgResult>> Connection::query(std::string_view sql) {
  if (!PQsendQuery(conn_.get(), std::string(sql).c_str())) {
    co_return fail(connection_error("sending query"));
  }
  if (auto flushed = co_await flush(); !flushed) co_return fail(flushed.error());
  co_return co_await collect_results();
}

Task<Result<PgResult>> Connection::query(std::string_view sql,
                                         const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  if (!PQsendQueryParams(conn_.get(), std::string(sql).c_str(), static_cast<int>(values.size()),
                         nullptr, values.data(), nullptr, nullptr, 0)) {
    co_return fail(connection_error("sending query"));
  }
  if (auto flushed = co_await flush(); !flushed) co_return fail(flushed.error());
  co_return co_await collect_results();
}

Task<Status> Connection::begin_copy_out(std::string_view sql) {
  auto result = co_await query(sql);
  if (!result) co_return fail(result.error());
  if (PQresultStatus(result->get()) != PGRES_COPY_OUT) {
    co_return fail(ErrorKind::kRuntime, label_ + ": expected COPY OUT from: " + std::string(sql));
  }
  co_return Status{};
}

Task<Result<bool>> Connection::read_copy(std::vector<std::byte>& out, std::size_t want) {
  for (;;) {
    char* buffer = nullptr;
    int length = PQgetCopyData(conn_.get(), &buffer, 1);
    if (length > 0) {
      PgCopyBuffer owner(buffer);
      auto* bytes = reinterpret_cast<const std::byte*>(buffer);
      out.insert(out.end(), bytes, bytes + length);
      if (out.size() >= want) co_return true;
      continue;
    }
    if (length == 0) {
      if (auto waited = co_await wait_readable(); !waited) co_return fail(waited.error());
      continue;
    }
    if (length == -1) {
      auto done = co_await collect_results();
      if (!done) co_return fail(done.error());
      co_return false;
    }
    co_return fail(connection_error("reading COPY data"));
  }
}

Task<Status> Connection::begin_copy_in(std::string_view sql) {
  auto result = co_await query(sql);
  if (!result) co_return fail(result.error());
  if (PQresultStatus(result->get()) != PGRES_COPY_IN) {
    co_return fail(ErrorKind::kRuntime, label_ + ": expected COPY IN from: " + std::string(sql));
  }
  co_return Status{};
}

Task<Status> Connection::write_copy(std::span<const std::byte> data) {
  for (;;) {
    int rc = PQputCopyData(conn_.get(), reinterpret_cast<const char*>(data.data()),
                           static_cast<int>(data.size()));
    if (rc == 1) break;
    if (rc < 0) co_return fail(connection_error("writing COPY data"));
    if (auto waited = co_await wait_writable(); !waited) co_return fail(waited.error());
    if (PQflush(conn_.get()) < 0) co_return fail(connection_error("sending COPY data"));
  }
  // libpq grows its output buffer without bound in non-blocking mode, so memory stays bounded
  // only if each write is flushed to the socket before the next: the kernel's socket buffer is
  // then what pushes back on the reader (through the caller's bounded queue).
  co_return co_await flush();
}

Task<Result<long long>> Connection::end_copy_in() {
  for (;;) {
    int rc = PQputCopyEnd(conn_.get(), nullptr);
    if (rc == 1) break;
    if (rc < 0) co_return fail(connection_error("ending COPY"));
    if (auto waited = co_await wait_writable(); !waited) co_return fail(waited.error());
  }
  if (auto flushed = co_await flush(); !flushed) co_return fail(flushed.error());
  auto result = co_await collect_results();
  if (!result) co_return fail(result.error());
  co_return result->affected();
}

Task<Status> Connection::abort_copy_in(std::string_view reason) {
  PQputCopyEnd(conn_.get(), std::string(reason).c_str());
  if (auto flushed = co_await flush(); !flushed) co_return fail(flushed.error());
  auto result = co_await collect_results();  // the expected error from the aborted COPY
  (void)result;
  co_return Status{};
}

int Connection::server_version() const {
  return PQserverVersion(conn_.get());
}

bool Connection::healthy() const {
  return conn_ && PQstatus(conn_.get()) == CONNECTION_OK;
}

void Connection::cancel_running() {
  if (!conn_) return;
  PGcancel* cancel = PQgetCancel(conn_.get());
  if (!cancel) return;
  char message[256];
  PQcancel(cancel, message, sizeof message);
  PQfreeCancel(cancel);
}

}  // namespace pgshift::pg
