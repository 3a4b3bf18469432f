// Fuzz target: endpoint parsing and secret scrubbing. The input is wrapped around a known secret
// in each endpoint form (URI userinfo, URI query, keyword/value), and whatever the rest of the
// text is, the secret must never reach anything pgshift shows or passes on argv: display(), the
// conninfo given to child processes, or a parse error's message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "connectors/pg/endpoint.hpp"

namespace {

constexpr const char* kSecret = "Zq9sEcReTx7";

void check(const std::string& text) {
  auto endpoint = pgshift::Endpoint::parse(text, "source");
  if (!endpoint) {
    if (endpoint.error().message.find(kSecret) != std::string::npos) std::abort();
    return;
  }
  if (endpoint->display().find(kSecret) != std::string::npos) std::abort();
  if (endpoint->kind() == pgshift::EndpointKind::kPostgres &&
      endpoint->conninfo_without_password().find(kSecret) != std::string::npos) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string fuzz(reinterpret_cast<const char*>(data), size);
  std::string half = fuzz.substr(0, size / 2), rest = fuzz.substr(size / 2);
  // Before the secret, nothing that would end the user name early: the secret stays the password.
  std::string user;
  for (char c : half) {
    if (c != '@' && c != '/' && c != '?' && c != '#' && c != ':') user += c;
  }
  check(fuzz);
  check("postgres://" + user + ":" + kSecret + "@" + rest);
  check("postgresql://u@" + user + "?password=" + kSecret + "&" + rest);
  check("password=" + std::string(kSecret) + " " + fuzz);
  check("password='" + std::string(kSecret) + "' " + fuzz);
  return 0;
}

std::vector<std::vector<std::uint8_t>> fuzz_seeds() {
  std::vector<std::string> texts = {
      "app@db.example.com:5432/shop?sslmode=require",
      "host=127.0.0.1 port=5432 dbname=app user=app",
      "u@[::1]:5433/db?application_name=x&connect_timeout=5",
      "host=a,b port=1,2 target_session_attrs=read-write dbname=x",
      "sqlite:///tmp/app.db",
      "sqlite:relative/app.db",
      "mysql://root@localhost/db",
      "postgres//user@host/db",
      "user%40corp@host:5432/d%2Fb",
      "host='quoted value' dbname='it''s'",
  };
  std::vector<std::vector<std::uint8_t>> seeds;
  for (const auto& text : texts) seeds.emplace_back(text.begin(), text.end());
  return seeds;
}
