#include "engine/observe/metrics_server.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "engine/core/task_guard.hpp"

namespace pgshift {
namespace {

using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::string_view kContentType = "text/plain; version=0.0.4";
constexpr std::size_t kDrainLimit = 64 * 1024;  // read and dropped after the response, at most

struct Connection;

}  // namespace

struct MetricsServer::State {
  State(asio::any_io_executor executor, Render render, MetricsServerOptions options)
      : acceptor(executor), backoff(executor), render(std::move(render)), options(options) {}

  void stop() {
    if (stopped) return;
    stopped = true;
    error_code ignored;
    acceptor.close(ignored);
    backoff.cancel();
    for (Connection* connection : std::vector(connections.begin(), connections.end())) {
      close(*connection);
    }
  }
  static void close(Connection& connection);

  tcp::acceptor acceptor;
  asio::steady_timer backoff;  // after an accept error (out of descriptors): no busy loop
  Render render;
  MetricsServerOptions options;
  bool stopped = false;
  std::unordered_set<Connection*> connections;
};

namespace {

struct Connection {
  Connection(std::shared_ptr<MetricsServer::State> state, tcp::socket accepted)
      : state(std::move(state)), socket(std::move(accepted)), deadline(socket.get_executor()) {
    this->state->connections.insert(this);
  }
  ~Connection() { state->connections.erase(this); }
  std::shared_ptr<MetricsServer::State> state;
  tcp::socket socket;
  asio::steady_timer deadline;
};

struct Response {
  int status = 200;
  std::string_view reason = "OK";
  std::string body;
  bool metrics = false;  // the body is the page (its content type), else a short plain message
  bool head = false;     // HEAD: headers only
};

Response plain(int status, std::string_view reason) {
  return Response{status, reason, std::string(reason) + "\n"};
}

// The end of the header block ("\r\n\r\n", or "\n\n" from a lenient client), searching from
// `from`; npos if not there yet.
std::size_t header_end(const std::string& request, std::size_t from) {
  for (std::size_t i = request.find('\n', from); i != std::string::npos;
       i = request.find('\n', i + 1)) {
    if (i + 1 < request.size() && request[i + 1] == '\n') return i + 2;
    if (i + 2 < request.size() && request[i + 1] == '\r' && request[i + 2] == '\n') return i + 3;
  }
  return std::string::npos;
}

Response answer(MetricsServer::State& state, std::string_view request) {
  std::string_view line = request.substr(0, request.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  std::size_t first = line.find(' ');
  std::size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos ||
      !line.substr(second + 1).starts_with("HTTP/1.")) {
    return plain(400, "Bad Request");
  }
  std::string_view method = line.substr(0, first);
  std::string_view target = line.substr(first + 1, second - first - 1);
  target = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") return plain(405, "Method Not Allowed");
  if (target != "/metrics") return plain(404, "Not Found");
  Response response{200, "OK", {}, true, method == "HEAD"};
  try {
    response.body = state.render();
  } catch (const std::exception& error) {
    spdlog::warn("metrics endpoint: rendering the page failed: {}", error.what());
    return plain(500, "Internal Server Error");
  }
  return response;
}

std::string serialize(const Response& response) {
  std::string out =
      "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(response.reason) + "\r\n";
  out += "Content-Type: ";
  out += response.metrics ? kContentType : std::string_view("text/plain; charset=utf-8");
  out += "\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\n";
  if (response.status == 405) out += "Allow: GET, HEAD\r\n";
  out += "Connection: close\r\n\r\n";
  if (!response.head) out += response.body;
  return out;
}

Task<void> serve(std::shared_ptr<Connection> connection) {
  Connection& c = *connection;
  auto& options = c.state->options;
  c.deadline.expires_after(options.timeout);
  c.deadline.async_wait([weak = std::weak_ptr(connection)](error_code ec) {
    if (auto expired = weak.lock(); expired && !ec) MetricsServer::State::close(*expired);
  });

  std::string request;
  std::size_t end = std::string::npos;
  char buffer[2048];
  while (end == std::string::npos && request.size() < options.max_request_bytes) {
    error_code ec;
    std::size_t room = std::min(sizeof buffer, options.max_request_bytes - request.size());
    std::size_t n = co_await c.socket.async_read_some(
        asio::buffer(buffer, room), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // gone, timed out or stopped: nothing to answer
    std::size_t from = request.size() < 3 ? 0 : request.size() - 3;
    request.append(buffer, n);
    end = header_end(request, from);
  }
  Response response = end == std::string::npos
                          ? plain(431, "Request Header Fields Too Large")
                          : answer(*c.state, std::string_view(request).substr(0, end));

  error_code ec;
  std::string reply = serialize(response);
  co_await asio::async_write(c.socket, asio::buffer(reply),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  // Lingering close: send our FIN, then drop what the client still sends until its FIN (or the
  // deadline), so unread request bytes do not turn the close into a reset that loses the reply.
  c.socket.shutdown(tcp::socket::shutdown_send, ec);
  for (std::size_t drained = 0; !ec && drained < kDrainLimit;) {
    drained += co_await c.socket.async_read_some(asio::buffer(buffer),
                                                 asio::redirect_error(asio::use_awaitable, ec));
  }
  MetricsServer::State::close(c);
}

Task<void> accept_loop(std::shared_ptr<MetricsServer::State> state) {
  while (!state->stopped) {
    error_code ec;
    tcp::socket socket =
        co_await state->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (state->stopped) co_return;
    if (ec) {
      state->backoff.expires_after(std::chrono::milliseconds(100));
      co_await state->backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (state->connections.size() >= state->options.max_connections) {
      socket.close(ec);
      continue;
    }
    auto connection = std::make_shared<Connection>(state, std::move(socket));
    spawn_task(state->acceptor.get_executor(), "metrics connection", serve(connection),
               [](Status status) {
                 if (!status) spdlog::warn("metrics endpoint: {}", status.error().message);
               });
  }
}

// The endpoints to try for `address`, in order.
Result<std::vector<tcp::endpoint>> candidates(asio::any_io_executor executor,
                                              const ListenAddress& address) {
  if (address.all_interfaces()) {
    return std::vector{tcp::endpoint(tcp::v6(), address.port),
                       tcp::endpoint(tcp::v4(), address.port)};
  }
  error_code ec;
  asio::ip::address ip = asio::ip::make_address(address.host, ec);
  if (!ec) return std::vector{tcp::endpoint(ip, address.port)};
  tcp::resolver resolver(executor);
  auto resolved = resolver.resolve(address.host, std::to_string(address.port),
                                   tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) return fail(ErrorKind::kUsage, "cannot resolve the host: " + ec.message());
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : resolved) endpoints.push_back(entry.endpoint());
  return endpoints;
}

error_code listen_on(tcp::acceptor& acceptor, const tcp::endpoint& endpoint, bool dual_stack) {
  error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec && dual_stack) acceptor.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor.close(ignored);
  }
  return ec;
}

}  // namespace

void MetricsServer::State::close(Connection& connection) {
  error_code ignored;
  connection.deadline.cancel();
  connection.socket.close(ignored);
}

Result<MetricsServer> MetricsServer::start(asio::any_io_executor executor,
                                           const ListenAddress& address, Render render,
                                           MetricsServerOptions options) {
  auto where = [&] { return "metrics endpoint " + address.display(); };
  auto endpoints = candidates(executor, address);
  if (!endpoints) return fail(std::move(endpoints.error()).within(where()));
  auto state = std::make_shared<State>(executor, std::move(render), options);
  error_code first_error;
  for (const tcp::endpoint& endpoint : *endpoints) {
    error_code ec = listen_on(state->acceptor, endpoint,
                              address.all_interfaces() && endpoint.address().is_v6());
    if (!ec) break;
    if (!first_error) first_error = ec;
  }
  if (!state->acceptor.is_open()) {
    return fail(ErrorKind::kUsage, where() + ": cannot listen: " + first_error.message());
  }
  error_code ec;
  tcp::endpoint bound = state->acceptor.local_endpoint(ec);
  spawn_task(executor, "metrics endpoint", accept_loop(state), [](Status status) {
    if (!status) spdlog::warn("metrics endpoint: {}", status.error().message);
  });
  return MetricsServer(std::move(state), bound);
}

MetricsServer& MetricsServer::operator=(MetricsServer&& other) noexcept {
  if (this != &other) {
    stop();
    state_ = std::move(other.state_);
    endpoint_ = other.endpoint_;
  }
  return *this;
}

MetricsServer::~MetricsServer() {
  stop();
}

void MetricsServer::stop() {
  if (state_) state_->stop();
}

}  // namespace pgshift
