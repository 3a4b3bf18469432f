// A TCP proxy for fault tests: listens on 127.0.0.1 (a free port) and forwards each accepted
// connection to one upstream (a PostgreSQL server), adding a fixed latency each way, capping the
// bandwidth of each connection per direction, stalling (forwarding nothing, closing nothing) and
// cutting connections (RST) now or at an exact byte count. Runs on its own io_context thread,
// started by the constructor and joined by the destructor (which closes every connection).
// The control methods may be called from any thread while connections are open; they take effect
// for data not yet forwarded. Not copyable. Bytes read from one side are held in the proxy (at
// most a bounded amount per direction: beyond it the proxy stops reading, so TCP pushes back).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {

enum class Direction { kToServer, kToClient };

struct FaultProxyOptions {
  std::chrono::milliseconds latency{0};  // added each way (round trip = twice this)
  std::uint64_t bytes_per_second = 0;    // per connection and direction; 0 = no cap
  std::size_t window_bytes = 1 << 20;    // held per connection and direction before pushing back
};

class FaultProxy {
 public:
  FaultProxy(int upstream_port, FaultProxyOptions options = {});
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  // `behind` with its port replaced by the proxy's (same user, password and host).
  Cluster cluster(const Cluster& behind) const;

  void set_latency(std::chrono::milliseconds latency);
  void set_bandwidth(std::uint64_t bytes_per_second);
  // While stalled nothing is forwarded either way and no connection is closed; new connections
  // are still accepted (and stall too).
  void stall(bool on);
  // Cuts (RST to both ends) every open connection now.
  void cut_all();
  // One shot: counting the bytes forwarded in `direction` over all connections from now, the
  // connection that carries byte `n` gets exactly its share up to byte n and is then cut (every
  // connection, if `all`). `cuts()` tells when it fired.
  void cut_at(Direction direction, std::uint64_t n, bool all = false);

  // Bytes forwarded in `direction` since the proxy started, over all connections.
  std::uint64_t forwarded(Direction direction) const;
  int accepted() const;
  int open_connections() const;
  int cuts() const;  // connections cut by cut_all / cut_at

  struct State;  // shared with the io thread (public only for the .cpp's helpers)

 private:
  std::unique_ptr<State> state_;
  std::thread thread_;
  int port_ = 0;
};

// The port of a cluster's URI base (postgres://user:pass@host:PORT).
int port_of(const Cluster& cluster);

}  // namespace pgshift::test
