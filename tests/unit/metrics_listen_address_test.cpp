// --metrics-listen HOST:PORT parsing (pure; no network).
#include <gtest/gtest.h>

#include "engine/observe/listen_address.hpp"

namespace pgshift {
namespace {

ListenAddress must_parse(std::string_view text) {
  auto address = parse_listen_address(text);
  EXPECT_TRUE(address) << text << ": " << (address ? "" : address.error().message);
  return address ? *address : ListenAddress{};
}

TEST(MetricsListenAddressTest, AcceptedForms) {
  struct Case {
    std::string_view text, host;
    int port;
  };
  for (const Case& c :
       {Case{"127.0.0.1:9187", "127.0.0.1", 9187}, Case{"[::1]:9187", "::1", 9187},
        Case{"[fe80::1%eth0]:80", "fe80::1%eth0", 80}, Case{"localhost:9187", "localhost", 9187},
        Case{"metrics.example.com:1", "metrics.example.com", 1}, Case{":9187", "", 9187},
        Case{"127.0.0.1:0", "127.0.0.1", 0}, Case{"[::]:65535", "::", 65535}}) {
    ListenAddress address = must_parse(c.text);
    EXPECT_EQ(address.host, c.host) << c.text;
    EXPECT_EQ(address.port, c.port) << c.text;
    EXPECT_EQ(address.display(), c.text);
  }
  EXPECT_TRUE(must_parse(":9187").all_interfaces());
  EXPECT_FALSE(must_parse("[::]:9187").all_interfaces());
}

TEST(MetricsListenAddressTest, RefusedFormsAreUsageErrorsQuotingTheText) {
  for (std::string_view text :
       {"",           "9187",      "localhost", "localhost:",
        ":",          "::1:9187",  "[::1]",     "[::1]:",
        "[::1:9187",  "::1]:9187", "[]:9187",   "[127.0.0.1]:9187",
        "host:65536", "host:-1",   "host:+80",  "host:80x",
        "host: 80",   "ho st:80",  "a/b:80",    "host:99999999999999999999"}) {
    auto address = parse_listen_address(text);
    ASSERT_FALSE(address) << text;
    EXPECT_EQ(address.error().kind, ErrorKind::kUsage);
    std::string quoted = "\"";
    quoted += text;
    quoted += '"';
    EXPECT_NE(address.error().message.find(quoted), std::string::npos) << address.error().message;
  }
}

}  // namespace
}  // namespace pgshift
