// The metrics endpoint over real loopback sockets: the server runs on an io_context thread, the
// test talks to it with blocking POSIX sockets (each read bounded by a timeout so a broken server
// fails the test instead of hanging it).
#include "engine/observe/metrics_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "engine/observe/metrics_text.hpp"

namespace pgshift {
namespace {

using namespace std::chrono_literals;

// A blocking client socket; recv gives up after `timeout`.
class Client {
 public:
  explicit Client(std::uint16_t port, bool v6 = false, std::chrono::milliseconds timeout = 5s) {
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int rc;
    if (v6) {
      sockaddr_in6 addr{};
      addr.sin6_family = AF_INET6;
      addr.sin6_port = htons(port);
      addr.sin6_addr = in6addr_loopback;
      rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } else {
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
    connected_ = rc == 0;
  }
  ~Client() { close(); }
  bool connected() const { return connected_; }
  void send(std::string_view data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL), ssize_t(data.size()));
  }
  // Everything until the server closes (or nullopt on timeout / reset).
  std::optional<std::string> read_all() {
    std::string out;
    char buffer[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n == 0) return out;
      if (n < 0) return std::nullopt;
      out.append(buffer, n);
    }
  }
  // Closes with a reset (linger 0) instead of a FIN.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

struct Reply {
  std::string status_line, headers, body;
};

Reply split(const std::string& raw) {
  Reply reply;
  std::size_t line_end = raw.find("\r\n");
  std::size_t head_end = raw.find("\r\n\r\n");
  if (line_end == std::string::npos || head_end == std::string::npos) return reply;
  reply.status_line = raw.substr(0, line_end);
  reply.headers = raw.substr(line_end + 2, head_end - line_end);
  reply.body = raw.substr(head_end + 4);
  return reply;
}

Reply fetch(std::uint16_t port, std::string_view request, bool v6 = false) {
  Client client(port, v6);
  EXPECT_TRUE(client.connected());
  client.send(request);
  auto raw = client.read_all();
  EXPECT_TRUE(raw) << "no reply to " << request;
  return split(raw.value_or(""));
}

constexpr std::string_view kGet = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

class MetricsServerTest : public ::testing::Test {
 protected:
  void TearDown() override { stop(); }

  std::uint16_t start(std::string_view address = "127.0.0.1:0", MetricsServerOptions options = {}) {
    auto parsed = parse_listen_address(address);
    EXPECT_TRUE(parsed);
    auto server = MetricsServer::start(
        io_.get_executor(), *parsed, [this] { return render(); }, options);
    EXPECT_TRUE(server) << (server ? "" : server.error().message);
    if (!server) return 0;
    server_.emplace(std::move(*server));
    thread_ = std::thread([this] { io_.run(); });
    return server_->port();
  }
  // Stops the server on its thread and waits for every connection's coroutine to end.
  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { server_->stop(); });
    thread_.join();
  }
  std::string render() {
    ++renders_;
    return MetricsText()
        .gauge("pgshift_lag_bytes", "Bytes behind.", 42)
        .counter("pgshift_rows_copied_total", "Rows.", renders_.load())
        .str();
  }

  asio::io_context io_;
  std::optional<MetricsServer> server_;
  std::thread thread_;
  std::atomic<int> renders_{0};
};

TEST_F(MetricsServerTest, ServesTheRenderedPageFreshOnEachRequest) {
  std::uint16_t port = start();
  ASSERT_NE(port, 0);
  Reply reply = fetch(port, kGet);
  EXPECT_EQ(reply.status_line, "HTTP/1.1 200 OK");
  EXPECT_NE(reply.headers.find("Content-Type: text/plain; version=0.0.4\r\n"), std::string::npos)
      << reply.headers;
  EXPECT_NE(reply.headers.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(reply.headers.find("Content-Length: " + std::to_string(reply.body.size()) + "\r\n"),
            std::string::npos);
  EXPECT_EQ(reply.body,
            "# HELP pgshift_lag_bytes Bytes behind.\n# TYPE pgshift_lag_bytes gauge\n"
            "pgshift_lag_bytes 42\n"
            "# HELP pgshift_rows_copied_total Rows.\n# TYPE pgshift_rows_copied_total counter\n"
            "pgshift_rows_copied_total 1\n");
  Reply second = fetch(port, "GET /metrics?x=1 HTTP/1.0\r\n\r\n");
  EXPECT_EQ(second.status_line, "HTTP/1.1 200 OK");
  EXPECT_NE(second.body.find("pgshift_rows_copied_total 2\n"), std::string::npos);
  EXPECT_EQ(renders_, 2);
}

TEST_F(MetricsServerTest, HeadSendsHeadersOnlyAndBareNewlinesAreAccepted) {
  std::uint16_t port = start();
  Reply reply = fetch(port, "HEAD /metrics HTTP/1.0\n\n");
  EXPECT_EQ(reply.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(reply.body, "");
  EXPECT_EQ(reply.headers.find("Content-Length: 0\r\n"), std::string::npos);
}

TEST_F(MetricsServerTest, OtherPathsMethodsAndGarbage) {
  std::uint16_t port = start();
  EXPECT_EQ(fetch(port, "GET / HTTP/1.1\r\n\r\n").status_line, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(fetch(port, "GET /metricsx HTTP/1.1\r\n\r\n").status_line, "HTTP/1.1 404 Not Found");
  Reply post = fetch(port, "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(post.status_line, "HTTP/1.1 405 Method Not Allowed");
  EXPECT_NE(post.headers.find("Allow: GET, HEAD\r\n"), std::string::npos);
  EXPECT_EQ(fetch(port, "hello\r\n\r\n").status_line, "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(fetch(port, "GET /metrics SPDY/3\r\n\r\n").status_line, "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(renders_, 0);
}

TEST_F(MetricsServerTest, OversizedHeadersGet431) {
  std::uint16_t port = start();
  std::string request = "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n";
  Reply reply = fetch(port, request);
  EXPECT_EQ(reply.status_line, "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_EQ(fetch(port, kGet).status_line, "HTTP/1.1 200 OK");  // still serving
}

TEST_F(MetricsServerTest, TwoConcurrentClients) {
  std::uint16_t port = start();
  Client a(port), b(port);
  ASSERT_TRUE(a.connected() && b.connected());
  a.send("GET /metrics HTTP/1.1\r\n");
  b.send("GET /metrics HTTP/1.1\r\n");
  b.send("\r\n");
  a.send("\r\n");
  auto reply_a = a.read_all(), reply_b = b.read_all();
  ASSERT_TRUE(reply_a && reply_b);
  EXPECT_EQ(split(*reply_a).status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(split(*reply_b).status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(renders_, 2);
}

TEST_F(MetricsServerTest, ClientThatHangsMidRequestDoesNotBlockOthers) {
  std::uint16_t port = start();
  Client slow(port);
  slow.send("GET /met");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fetch(port, kGet).status_line, "HTTP/1.1 200 OK");
  slow.send("rics HTTP/1.1\r\n\r\n");  // it finishes late and is still answered
  auto reply = slow.read_all();
  ASSERT_TRUE(reply);
  EXPECT_EQ(split(*reply).status_line, "HTTP/1.1 200 OK");
}

TEST_F(MetricsServerTest, ClientsThatDisconnectMidRequestAreHarmless) {
  std::uint16_t port = start();
  {
    Client gone(port);
    gone.send("GET /metrics HTTP/1.1\r\nHo");
  }
  Client reset(port);
  reset.send("GET /metrics HT");
  reset.reset();
  Client silent(port);
  silent.close();
  EXPECT_EQ(fetch(port, kGet).status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(renders_, 1);
}

TEST_F(MetricsServerTest, SilentClientIsClosedAtTheDeadline) {
  MetricsServerOptions options;
  options.timeout = 200ms;
  std::uint16_t port = start("127.0.0.1:0", options);
  Client silent(port);
  silent.send("GET /metrics HTTP/1.1\r\n");
  auto began = std::chrono::steady_clock::now();
  auto reply = silent.read_all();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 3s);
  EXPECT_EQ(reply.value_or(""), "");  // closed without a reply
}

TEST_F(MetricsServerTest, ConnectionsBeyondTheCapAreClosed) {
  MetricsServerOptions options;
  options.max_connections = 1;
  std::uint16_t port = start("127.0.0.1:0", options);
  Client holder(port);
  holder.send("GET");
  std::this_thread::sleep_for(50ms);  // accepted before the next one
  Client extra(port);
  extra.send(kGet);
  EXPECT_EQ(extra.read_all().value_or(""), "");
  holder.send(" /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(split(holder.read_all().value_or("")).status_line, "HTTP/1.1 200 OK");
}

TEST_F(MetricsServerTest, RenderThatThrowsIs500) {
  auto server = MetricsServer::start(io_.get_executor(), *parse_listen_address("127.0.0.1:0"),
                                     []() -> std::string { throw std::runtime_error("boom"); });
  ASSERT_TRUE(server);
  server_.emplace(std::move(*server));
  thread_ = std::thread([this] { io_.run(); });
  EXPECT_EQ(fetch(server_->port(), kGet).status_line, "HTTP/1.1 500 Internal Server Error");
}

TEST_F(MetricsServerTest, StopClosesTheListenerAndOpenConnections) {
  std::uint16_t port = start();
  Client waiting(port);
  waiting.send("GET /metrics");
  std::this_thread::sleep_for(50ms);
  stop();  // joins the io thread: every connection coroutine has ended
  EXPECT_EQ(waiting.read_all().value_or(""), "");
  EXPECT_FALSE(Client(port).connected());
}

TEST_F(MetricsServerTest, PortInUseIsAUsageErrorNamingTheAddress) {
  std::uint16_t port = start();
  std::string taken = "127.0.0.1:" + std::to_string(port);
  auto second =
      MetricsServer::start(io_.get_executor(), *parse_listen_address(taken), [] { return ""; });
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::kUsage);
  EXPECT_NE(second.error().message.find(taken), std::string::npos) << second.error().message;
  EXPECT_EQ(exit_code_for(second.error().kind), 2);
}

TEST_F(MetricsServerTest, AddressNotOnThisHostIsAUsageError) {
  // 192.0.2.1 is TEST-NET-1: never a local address.
  auto server = MetricsServer::start(io_.get_executor(), *parse_listen_address("192.0.2.1:9187"),
                                     [] { return ""; });
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().kind, ErrorKind::kUsage);
  EXPECT_NE(server.error().message.find("192.0.2.1:9187"), std::string::npos)
      << server.error().message;
}

TEST_F(MetricsServerTest, Ipv6LoopbackHostnameAndAllInterfaces) {
  asio::io_context probe;
  asio::ip::tcp::socket v6(probe);
  boost::system::error_code ec;
  v6.open(asio::ip::tcp::v6(), ec);
  if (!ec) v6.bind({asio::ip::address_v6::loopback(), 0}, ec);
  if (ec) GTEST_SKIP() << "no IPv6 loopback here";

  std::uint16_t port = start("[::1]:0");
  EXPECT_TRUE(server_->endpoint().address().is_v6());
  EXPECT_EQ(fetch(port, kGet, true).status_line, "HTTP/1.1 200 OK");
  stop();

  for (std::string_view address : {"localhost:0", ":0"}) {
    auto server = MetricsServer::start(io_.get_executor(), *parse_listen_address(address),
                                       [] { return std::string("x 1\n"); });
    ASSERT_TRUE(server) << address << ": " << server.error().message;
    EXPECT_NE(server->port(), 0);
  }
}

TEST_F(MetricsServerTest, AllInterfacesAcceptsIpv4AndIpv6) {
  std::uint16_t port = start(":0");
  EXPECT_EQ(fetch(port, kGet).status_line, "HTTP/1.1 200 OK");
  if (server_->endpoint().address().is_v6()) {
    EXPECT_EQ(fetch(port, kGet, true).status_line, "HTTP/1.1 200 OK");
  }
}

}  // namespace
}  // namespace pgshift
