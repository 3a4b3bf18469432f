// A tiny HTTP endpoint for Prometheus: GET (or HEAD) /metrics answers 200 with
// "Content-Type: text/plain; version=0.0.4" and the body `render` returns, called afresh on the
// executor's thread for each request; any other path is 404, any other method 405, a request
// line that is not HTTP/1.x is 400, headers beyond `max_request_bytes` get 431. Every response
// closes its connection (HTTP/1.0 and 1.1 alike). Each connection is its own coroutine with a
// deadline covering the whole exchange, so a slow or silent client only holds its own slot (at
// most `max_connections`; more are closed on accept) and a client that disconnects ends its
// coroutine quietly.
// Runs on the caller's executor (one thread, the one running its io_context); start(), stop()
// and the destructor must be called on that thread or while the io_context is not running.
// port() and endpoint() are fixed at start and safe from any thread. The connections' coroutines
// share the server's state, so destroying the server (which stops it) while they are pending is
// safe: they end the next time the io_context runs. The io_context must outlive the server.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"
#include "engine/observe/listen_address.hpp"

namespace pgshift {

struct MetricsServerOptions {
  std::size_t max_request_bytes = 8192;       // request line and headers
  std::chrono::milliseconds timeout{10'000};  // per connection, accept to close
  std::size_t max_connections = 32;           // open at once
};

class MetricsServer {
 public:
  using Render = std::function<std::string()>;

  // Binds and listens now (so a port in use or a host that is not local is reported here, as a
  // kUsage error naming the address) and starts accepting on `executor`.
  static Result<MetricsServer> start(asio::any_io_executor executor, const ListenAddress& address,
                                     Render render, MetricsServerOptions options = {});

  MetricsServer(MetricsServer&& other) noexcept = default;
  MetricsServer& operator=(MetricsServer&& other) noexcept;
  ~MetricsServer();

  std::uint16_t port() const { return endpoint_.port(); }
  const asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }
  // Closes the acceptor and every open connection; idempotent.
  void stop();

  struct State;  // shared with the coroutines (public only for the .cpp's helpers)

 private:
  MetricsServer(std::shared_ptr<State> state, asio::ip::tcp::endpoint endpoint)
      : state_(std::move(state)), endpoint_(endpoint) {}
  std::shared_ptr<State> state_;
  asio::ip::tcp::endpoint endpoint_;
};

}  // namespace pgshift
