// The fault proxy itself, against a local echo server (no PostgreSQL): the latency it adds, the
// bandwidth cap it holds, a cut at an exact byte, a stall that forwards nothing but keeps the
// connection, and a cut of every connection.
#include "tests/support/fault_proxy.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <thread>
#include <vector>

#include "engine/core/asio.hpp"

namespace pgshift::test {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Echoes every byte back on each accepted connection (a thread per connection); counts the bytes
// it received.
class EchoServer {
 public:
  EchoServer() : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    thread_ = std::thread([this] {
      for (;;) {
        boost::system::error_code ec;
        tcp::socket socket(io_);
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        workers_.emplace_back([this, socket = std::move(socket)]() mutable {
          std::vector<char> buffer(64 * 1024);
          for (;;) {
            boost::system::error_code error;
            std::size_t n = socket.read_some(asio::buffer(buffer), error);
            if (error) return;
            received_ += n;
            asio::write(socket, asio::buffer(buffer.data(), n), error);
            if (error) return;
          }
        });
      }
    });
  }
  ~EchoServer() {
    stopping_ = true;
    boost::system::error_code ignored;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);  // wakes the blocking accept
    thread_.join();
    for (auto& worker : workers_) worker.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  std::uint64_t received() const { return received_.load(); }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> received_{0};
};

tcp::socket connect_to(asio::io_context& io, int port) {
  tcp::socket socket(io);
  socket.connect(
      tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)));
  socket.set_option(tcp::no_delay(true));
  return socket;
}

bool readable_within(tcp::socket& socket, std::chrono::milliseconds timeout) {
  pollfd fd{socket.native_handle(), POLLIN, 0};
  return ::poll(&fd, 1, static_cast<int>(timeout.count())) == 1;
}

// Reads until `want` bytes came or the connection ended; returns what came.
std::size_t read_up_to(tcp::socket& socket, std::size_t want, boost::system::error_code& error) {
  std::vector<char> buffer(64 * 1024);
  std::size_t got = 0;
  while (got < want) {
    std::size_t n =
        socket.read_some(asio::buffer(buffer.data(), std::min(buffer.size(), want - got)), error);
    if (error) break;
    got += n;
  }
  return got;
}

double round_trip_ms(tcp::socket& socket) {
  char byte = 'x';
  auto start = Clock::now();
  asio::write(socket, asio::buffer(&byte, 1));
  asio::read(socket, asio::buffer(&byte, 1));
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

TEST(FaultProxy, AddsTheLatencyEachWay) {
  EchoServer echo;
  FaultProxy proxy(echo.port(), {.latency = std::chrono::milliseconds(40)});
  asio::io_context io;
  auto socket = connect_to(io, proxy.port());
  double with_latency = round_trip_ms(socket);
  EXPECT_GE(with_latency, 80.0);
  EXPECT_LT(with_latency, 200.0);
  proxy.set_latency(std::chrono::milliseconds(0));
  round_trip_ms(socket);
  EXPECT_LT(round_trip_ms(socket), 30.0);
  // Counted once the write completed, which the client may see first.
  for (int i = 0; i < 100 && proxy.forwarded(Direction::kToClient) < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(proxy.forwarded(Direction::kToServer), 3u);
  EXPECT_EQ(proxy.forwarded(Direction::kToClient), 3u);
}

TEST(FaultProxy, HoldsTheBandwidthCap) {
  EchoServer echo;
  constexpr std::uint64_t kRate = 4 << 20;  // 4 MiB/s each way
  constexpr std::size_t kBytes = 2 << 20;
  FaultProxy proxy(echo.port(), {.bytes_per_second = kRate});
  asio::io_context io;
  auto socket = connect_to(io, proxy.port());
  auto start = Clock::now();
  std::thread writer([&] {
    std::vector<char> data(kBytes, 'b');
    asio::write(socket, asio::buffer(data));
  });
  boost::system::error_code error;
  std::size_t got = read_up_to(socket, kBytes, error);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  writer.join();
  EXPECT_EQ(got, kBytes) << error.message();
  // 0.5 s at the cap (the two directions overlap); without it loopback takes milliseconds.
  EXPECT_GE(seconds, 0.45);
  EXPECT_LT(seconds, 1.0);
}

TEST(FaultProxy, CutsAtTheChosenByte) {
  EchoServer echo;
  FaultProxy proxy(echo.port());
  asio::io_context io;
  // Toward the server: the server gets exactly the bytes up to the chosen one.
  auto socket = connect_to(io, proxy.port());
  EXPECT_LT(round_trip_ms(socket), 1000.0);  // one byte each way before the trigger is armed
  proxy.cut_at(Direction::kToServer, 1000);
  std::vector<char> data(5000, 'c');
  asio::write(socket, asio::buffer(data));
  boost::system::error_code error;
  std::size_t got = read_up_to(socket, data.size(), error);
  EXPECT_LE(got, 1000u);
  EXPECT_TRUE(error) << "the connection was not cut";
  for (int i = 0; i < 100 && echo.received() < 1001; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(echo.received(), 1001u);
  EXPECT_EQ(proxy.cuts(), 1);
  // Toward the client, on another connection: the client reads exactly its share, then the cut.
  auto second = connect_to(io, proxy.port());
  EXPECT_LT(round_trip_ms(second), 1000.0);
  proxy.cut_at(Direction::kToClient, 700);
  asio::write(second, asio::buffer(data));
  got = read_up_to(second, data.size(), error);
  EXPECT_EQ(got, 700u);
  EXPECT_TRUE(error == asio::error::connection_reset || error == asio::error::eof)
      << error.message();
  EXPECT_EQ(proxy.cuts(), 2);
  // The proxy goes on serving new connections.
  auto third = connect_to(io, proxy.port());
  EXPECT_LT(round_trip_ms(third), 1000.0);
}

TEST(FaultProxy, StallsWithoutClosingThenResumes) {
  EchoServer echo;
  FaultProxy proxy(echo.port());
  asio::io_context io;
  auto socket = connect_to(io, proxy.port());
  round_trip_ms(socket);
  proxy.stall(true);
  char byte = 's';
  asio::write(socket, asio::buffer(&byte, 1));
  EXPECT_FALSE(readable_within(socket, std::chrono::milliseconds(300)));
  EXPECT_EQ(echo.received(), 1u);  // the byte is held in the proxy
  EXPECT_EQ(proxy.open_connections(), 1);
  proxy.stall(false);
  ASSERT_TRUE(readable_within(socket, std::chrono::milliseconds(1000)));
  asio::read(socket, asio::buffer(&byte, 1));
  EXPECT_EQ(byte, 's');
  EXPECT_EQ(echo.received(), 2u);
}

TEST(FaultProxy, CutAllResetsEveryConnection) {
  EchoServer echo;
  FaultProxy proxy(echo.port());
  asio::io_context io;
  auto first = connect_to(io, proxy.port());
  auto second = connect_to(io, proxy.port());
  round_trip_ms(first);
  round_trip_ms(second);
  EXPECT_EQ(proxy.open_connections(), 2);
  proxy.cut_all();
  for (auto* socket : {&first, &second}) {
    ASSERT_TRUE(readable_within(*socket, std::chrono::milliseconds(1000)));
    char byte;
    boost::system::error_code error;
    socket->read_some(asio::buffer(&byte, 1), error);
    EXPECT_TRUE(error) << "the connection was not cut";
  }
  EXPECT_EQ(proxy.cuts(), 2);
  EXPECT_EQ(proxy.open_connections(), 0);
  EXPECT_EQ(proxy.accepted(), 2);
}

}  // namespace
}  // namespace pgshift::test
