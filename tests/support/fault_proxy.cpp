#include "tests/support/fault_proxy.hpp"

#include <algorithm>
#include <deque>
#include <future>
#include <stdexcept>
#include <vector>

#include "engine/core/asio.hpp"

namespace pgshift::test {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadSize = 64 * 1024;

struct Chunk {
  Clock::time_point arrived;
  std::vector<char> data;
  std::size_t offset = 0;
};

struct Session;

// One direction of a connection: bytes read from `from` wait in `queue` until their latency has
// passed, then go to `to` at the bandwidth cap.
struct Pipe {
  explicit Pipe(asio::io_context& io) : reader_signal(io), writer_signal(io), delay(io) {}
  tcp::socket* from = nullptr;
  tcp::socket* to = nullptr;
  std::deque<Chunk> queue;
  std::size_t queued = 0;
  bool eof = false;   // `from` ended (FIN): forwarded once the queue is empty
  bool done = false;  // the writer finished
  asio::steady_timer reader_signal, writer_signal, delay;
  Clock::time_point next_send{};
};

}  // namespace

struct FaultProxy::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  int upstream_port = 0;
  std::size_t window = 0;
  std::atomic<long long> latency_ms{0};
  std::atomic<std::uint64_t> bytes_per_second{0};
  std::atomic<bool> stalled{false};
  std::atomic<std::uint64_t> forwarded[2] = {0, 0};
  std::atomic<int> accepted{0}, cuts{0}, open{0};
  // Used on the io thread only.
  std::vector<std::weak_ptr<Session>> sessions;
  struct Trigger {
    bool armed = false;
    std::uint64_t remaining = 0;
    bool all = false;
  } trigger[2];

  void cut_sessions(bool count);
  void wake_writers();
};

namespace {

struct Session {
  Session(FaultProxy::State& state, tcp::socket accepted)
      : state(state),
        client(std::move(accepted)),
        server(state.io),
        pipes{Pipe(state.io), Pipe(state.io)} {
    pipes[0].from = &client;  // Direction::kToServer
    pipes[0].to = &server;
    pipes[1].from = &server;  // Direction::kToClient
    pipes[1].to = &client;
  }
  // Closes both sockets with an RST (linger 0) and stops the pipes.
  void close() {
    if (closed) return;
    closed = true;
    if (counted_open) --state.open;
    boost::system::error_code ignored;
    for (tcp::socket* socket : {&client, &server}) {
      if (!socket->is_open()) continue;
      socket->set_option(asio::socket_base::linger(true, 0), ignored);
      socket->close(ignored);
    }
    for (auto& pipe : pipes) {
      pipe.reader_signal.cancel();
      pipe.writer_signal.cancel();
      pipe.delay.cancel();
    }
  }
  FaultProxy::State& state;
  tcp::socket client, server;
  Pipe pipes[2];
  bool closed = false;
  bool counted_open = false;
};

Task<void> wait_signal(asio::steady_timer& timer) {
  timer.expires_at(Clock::time_point::max());
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

Task<void> wait_until(asio::steady_timer& timer, Clock::time_point when) {
  timer.expires_at(when);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

Task<void> read_loop(std::shared_ptr<Session> session, int direction) {
  Pipe& pipe = session->pipes[direction];
  std::vector<char> buffer(kReadSize);
  for (;;) {
    while (!session->closed && pipe.queued >= session->state.window) {
      co_await wait_signal(pipe.reader_signal);
    }
    if (session->closed) co_return;
    boost::system::error_code ec;
    std::size_t n = co_await pipe.from->async_read_some(
        asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (session->closed) co_return;
    if (ec == asio::error::eof) {
      pipe.eof = true;
      pipe.writer_signal.cancel();
      co_return;
    }
    if (ec) {  // a reset (or other error) on one side resets the other
      session->close();
      co_return;
    }
    pipe.queue.push_back(
        Chunk{Clock::now(), std::vector<char>(buffer.begin(), buffer.begin() + n)});
    pipe.queued += n;
    pipe.writer_signal.cancel();
  }
}

Task<void> write_loop(std::shared_ptr<Session> session, int direction) {
  auto& state = session->state;
  Pipe& pipe = session->pipes[direction];
  for (;;) {
    while (!session->closed && (pipe.queue.empty() ? !pipe.eof : state.stalled.load())) {
      co_await wait_signal(pipe.writer_signal);
    }
    if (session->closed) co_return;
    if (pipe.queue.empty()) {  // the sender closed its side: pass the FIN on
      boost::system::error_code ignored;
      pipe.to->shutdown(tcp::socket::shutdown_send, ignored);
      pipe.done = true;
      if (session->pipes[1 - direction].done) session->close();
      co_return;
    }
    Chunk& chunk = pipe.queue.front();
    auto now = Clock::now();
    auto due = chunk.arrived + std::chrono::milliseconds(state.latency_ms.load());
    if (now < due) {
      co_await wait_until(pipe.delay, due);
      continue;  // stall and close are checked again
    }
    std::size_t n = chunk.data.size() - chunk.offset;
    std::uint64_t rate = state.bytes_per_second.load();
    if (rate > 0) {
      if (now < pipe.next_send) {
        co_await wait_until(pipe.delay, pipe.next_send);
        continue;
      }
      // Quanta of 20 ms of the cap (at least a segment) keep the pacing smooth.
      n = std::min<std::size_t>(n, std::clamp<std::uint64_t>(rate / 50, 1460, kReadSize));
    }
    bool cut_now = false;
    bool cut_every = false;
    auto& trigger = state.trigger[direction];
    if (trigger.armed) {
      if (n >= trigger.remaining) {
        n = trigger.remaining;
        cut_now = true;
        cut_every = trigger.all;
        trigger.armed = false;
      } else {
        trigger.remaining -= n;
      }
    }
    if (n > 0) {
      boost::system::error_code ec;
      co_await asio::async_write(*pipe.to, asio::buffer(chunk.data.data() + chunk.offset, n),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (session->closed) co_return;
      if (ec) {
        session->close();
        co_return;
      }
      state.forwarded[direction] += n;
      chunk.offset += n;
      pipe.queued -= n;
      if (chunk.offset == chunk.data.size()) pipe.queue.pop_front();
      pipe.reader_signal.cancel();
      if (rate > 0) {
        pipe.next_send = std::max(Clock::now(), pipe.next_send) +
                         std::chrono::nanoseconds(n * 1'000'000'000ULL / rate);
      }
    }
    if (cut_now) {
      if (cut_every) {
        state.cut_sessions(true);
      } else {
        ++state.cuts;
        session->close();
      }
      co_return;
    }
  }
}

Task<void> start_session(FaultProxy::State& state, std::shared_ptr<Session> session) {
  boost::system::error_code ec;
  co_await session->server.async_connect(
      tcp::endpoint(asio::ip::address_v4::loopback(),
                    static_cast<unsigned short>(state.upstream_port)),
      asio::redirect_error(asio::use_awaitable, ec));
  if (ec || session->closed || !state.acceptor.is_open()) {
    session->close();
    co_return;
  }
  boost::system::error_code ignored;
  session->client.set_option(tcp::no_delay(true), ignored);
  session->server.set_option(tcp::no_delay(true), ignored);
  ++state.open;
  session->counted_open = true;
  std::erase_if(state.sessions, [](const auto& weak) { return weak.expired(); });
  state.sessions.push_back(session);
  for (int direction : {0, 1}) {
    asio::co_spawn(state.io, read_loop(session, direction), asio::detached);
    asio::co_spawn(state.io, write_loop(session, direction), asio::detached);
  }
}

Task<void> accept_loop(FaultProxy::State& state) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket client =
        co_await state.acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (!state.acceptor.is_open()) co_return;
    if (ec) continue;
    ++state.accepted;
    auto session = std::make_shared<Session>(state, std::move(client));
    asio::co_spawn(state.io, start_session(state, session), asio::detached);
  }
}

}  // namespace

void FaultProxy::State::cut_sessions(bool count) {
  for (auto& weak : sessions) {
    if (auto session = weak.lock(); session && !session->closed) {
      if (count) ++cuts;
      session->close();
    }
  }
}

void FaultProxy::State::wake_writers() {
  for (auto& weak : sessions) {
    if (auto session = weak.lock()) {
      for (auto& pipe : session->pipes) {
        pipe.writer_signal.cancel();
        pipe.delay.cancel();
      }
    }
  }
}

FaultProxy::FaultProxy(int upstream_port, FaultProxyOptions options)
    : state_(std::make_unique<State>()) {
  state_->upstream_port = upstream_port;
  state_->window = std::max<std::size_t>(options.window_bytes, kReadSize);
  state_->latency_ms = options.latency.count();
  state_->bytes_per_second = options.bytes_per_second;
  tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  port_ = state_->acceptor.local_endpoint().port();
  asio::co_spawn(state_->io, accept_loop(*state_), asio::detached);
  thread_ = std::thread([state = state_.get()] { state->io.run(); });
}

FaultProxy::~FaultProxy() {
  asio::post(state_->io, [state = state_.get()] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
    state->cut_sessions(false);
  });
  // Every coroutine ends once its socket or timer is cancelled; the stop is only a safeguard.
  auto done = std::async(std::launch::async, [this] { thread_.join(); });
  if (done.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    state_->io.stop();
    done.wait();
  }
}

Cluster FaultProxy::cluster(const Cluster& behind) const {
  auto colon = behind.uri_base.rfind(':');
  return Cluster{behind.uri_base.substr(0, colon + 1) + std::to_string(port_)};
}

void FaultProxy::set_latency(std::chrono::milliseconds latency) {
  state_->latency_ms = latency.count();
  asio::post(state_->io, [state = state_.get()] { state->wake_writers(); });
}

void FaultProxy::set_bandwidth(std::uint64_t bytes_per_second) {
  state_->bytes_per_second = bytes_per_second;
  asio::post(state_->io, [state = state_.get()] { state->wake_writers(); });
}

void FaultProxy::stall(bool on) {
  state_->stalled = on;
  asio::post(state_->io, [state = state_.get()] { state->wake_writers(); });
}

void FaultProxy::cut_all() {
  std::promise<void> cut;
  asio::post(state_->io, [state = state_.get(), &cut] {
    state->cut_sessions(true);
    cut.set_value();
  });
  cut.get_future().wait();
}

void FaultProxy::cut_at(Direction direction, std::uint64_t n, bool all) {
  std::promise<void> armed;
  asio::post(state_->io, [state = state_.get(), direction, n, all, &armed] {
    state->trigger[static_cast<int>(direction)] = State::Trigger{true, n, all};
    armed.set_value();
  });
  armed.get_future().wait();
}

std::uint64_t FaultProxy::forwarded(Direction direction) const {
  return state_->forwarded[static_cast<int>(direction)].load();
}
int FaultProxy::accepted() const {
  return state_->accepted.load();
}
int FaultProxy::open_connections() const {
  return state_->open.load();
}
int FaultProxy::cuts() const {
  return state_->cuts.load();
}

int port_of(const Cluster& cluster) {
  auto colon = cluster.uri_base.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("no port in " + cluster.uri_base);
  return std::stoi(cluster.uri_base.substr(colon + 1));
}

}  // namespace pgshift::test
