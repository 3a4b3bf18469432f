// Endpoint parsing: libpq URI and keyword/value forms, sqlite: paths, and the rule that the
// password never shows in display() or in any error message.
#include "connectors/pg/endpoint.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

namespace pgshift {
namespace {

Endpoint must_parse(std::string_view text, std::string_view role = "source") {
  auto endpoint = Endpoint::parse(text, role);
  EXPECT_TRUE(endpoint) << text << ": " << (endpoint ? "" : endpoint.error().message);
  return endpoint ? *endpoint : Endpoint{};
}

// What libpq itself reads from a conninfo string (keyword -> value, set ones only).
std::map<std::string, std::string> libpq_reads(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  std::map<std::string, std::string> out;
  if (!options) {
    ADD_FAILURE() << "libpq rejects " << conninfo << ": " << (error ? error : "");
    if (error) PQfreemem(error);
    return out;
  }
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> owner(options, &PQconninfoFree);
  for (auto* option = options; option->keyword; ++option) {
    if (option->val && *option->val) out[option->keyword] = option->val;
  }
  return out;
}

TEST(Endpoint, ParsesAUri) {
  auto endpoint = must_parse("postgresql://alice:s3cret@db.example.com:5433/shop?sslmode=require");
  EXPECT_EQ(endpoint.kind(), EndpointKind::kPostgres);
  EXPECT_EQ(endpoint.option("user"), "alice");
  EXPECT_EQ(endpoint.option("host"), "db.example.com");
  EXPECT_EQ(endpoint.option("port"), "5433");
  EXPECT_EQ(endpoint.option("dbname"), "shop");
  EXPECT_EQ(endpoint.option("sslmode"), "require");
  EXPECT_EQ(endpoint.option("application_name"), "");
  EXPECT_EQ(endpoint.password(), "s3cret");
  EXPECT_EQ(endpoint.display(), "alice@db.example.com:5433/shop");
}

TEST(Endpoint, ParsesAPercentEncodedPasswordAndShortScheme) {
  auto endpoint = must_parse("postgres://bob:p%40ss%2Fw0rd@localhost/app");
  EXPECT_EQ(endpoint.password(), "p@ss/w0rd");
  EXPECT_EQ(endpoint.display(), "bob@localhost/app");
}

TEST(Endpoint, ParsesKeywordValueForm) {
  auto endpoint = must_parse("host=10.0.0.5 port=6432 dbname=app user=bob password='pa ss'");
  EXPECT_EQ(endpoint.kind(), EndpointKind::kPostgres);
  EXPECT_EQ(endpoint.password(), "pa ss");
  EXPECT_EQ(endpoint.display(), "bob@10.0.0.5:6432/app");
}

TEST(Endpoint, DisplayDefaults) {
  EXPECT_EQ(must_parse("dbname=app").display(), "localhost/app");
  EXPECT_EQ(must_parse("hostaddr=127.0.0.1 user=u").display(), "u@127.0.0.1");
  EXPECT_EQ(must_parse("host=h hostaddr=127.0.0.1").display(), "h") << "host wins over hostaddr";
}

TEST(Endpoint, DisplayNeverContainsThePassword) {
  for (const char* text :
       {"postgresql://alice:s3cret@host/db", "host=h user=alice password=s3cret dbname=db",
        "postgresql://alice@host/db?password=s3cret", "postgresql://alice:s3cret@host"}) {
    auto endpoint = must_parse(text);
    EXPECT_EQ(endpoint.password(), "s3cret") << text;
    EXPECT_EQ(endpoint.display().find("s3cret"), std::string::npos) << endpoint.display();
  }
}

TEST(Endpoint, ConninfoHasThePasswordAndTheOtherFormDoesNot) {
  auto endpoint = must_parse("postgresql://alice:s3cret@host:5433/db?sslmode=disable");
  EXPECT_NE(endpoint.conninfo().find("s3cret"), std::string::npos);
  auto without = endpoint.conninfo_without_password();
  EXPECT_EQ(without.find("s3cret"), std::string::npos) << without;
  EXPECT_EQ(without.find("password"), std::string::npos) << without;
  auto read = libpq_reads(without);
  EXPECT_EQ(read["user"], "alice");
  EXPECT_EQ(read["host"], "host");
  EXPECT_EQ(read["port"], "5433");
  EXPECT_EQ(read["dbname"], "db");
  EXPECT_EQ(read["sslmode"], "disable");
  EXPECT_EQ(read.count("password"), 0u);
}

TEST(Endpoint, TheClientKeysPasswordIsLeftOutToo) {
  auto endpoint = must_parse("host=h dbname=db user=u password=pw1 sslpassword=KeyPw9");
  EXPECT_EQ(endpoint.option("sslpassword"), "KeyPw9");
  auto without = endpoint.conninfo_without_password();
  EXPECT_EQ(without.find("KeyPw9"), std::string::npos) << without;
  EXPECT_EQ(libpq_reads(without).count("sslpassword"), 0u) << without;
  EXPECT_EQ(endpoint.display().find("KeyPw9"), std::string::npos);
}

TEST(Endpoint, ConninfoQuotingRoundTripsThroughLibpq) {
  // Values with quotes, backslashes, spaces and '=' must come back from libpq unchanged.
  auto endpoint =
      must_parse(R"(host=h dbname='my db' user=o\'brien password='it\'s a \\ = secret')");
  EXPECT_EQ(endpoint.password(), R"(it's a \ = secret)");
  auto read = libpq_reads(endpoint.conninfo());
  EXPECT_EQ(read["password"], R"(it's a \ = secret)");
  EXPECT_EQ(read["dbname"], "my db");
  EXPECT_EQ(read["user"], "o'brien");
  EXPECT_EQ(libpq_reads(endpoint.conninfo_without_password())["user"], "o'brien");
}

TEST(Endpoint, SqlitePaths) {
  auto absolute = must_parse("sqlite:///var/data/app.db");
  EXPECT_EQ(absolute.kind(), EndpointKind::kSqlite);
  EXPECT_EQ(absolute.sqlite_path(), "/var/data/app.db");
  EXPECT_EQ(absolute.display(), "sqlite:/var/data/app.db");
  auto relative = must_parse("sqlite:data/app.db");
  EXPECT_EQ(relative.kind(), EndpointKind::kSqlite);
  EXPECT_EQ(relative.sqlite_path(), "data/app.db");
  EXPECT_EQ(must_parse("sqlite:/abs.db").sqlite_path(), "/abs.db");
  for (const char* empty : {"sqlite:", "sqlite://"}) {
    auto endpoint = Endpoint::parse(empty, "source");
    ASSERT_FALSE(endpoint) << empty;
    EXPECT_EQ(endpoint.error().kind, ErrorKind::kUsage);
  }
}

TEST(Endpoint, OnThisMachine) {
  for (const char* local :
       {"postgres://u@localhost/db", "postgres://u@127.0.0.1:5433/db", "host=/var/run/postgresql",
        "dbname=app", "postgres://u@[::1]/db", "sqlite:/tmp/x.db", "hostaddr=127.0.0.2"}) {
    EXPECT_TRUE(must_parse(local).on_this_machine()) << local;
  }
  for (const char* remote : {"postgres://u@db.example.com/db", "host=10.0.0.5 dbname=x"}) {
    EXPECT_FALSE(must_parse(remote).on_this_machine()) << remote;
  }
}

TEST(Endpoint, EmptyEndpointNamesTheRole) {
  auto source = Endpoint::parse("", "source");
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().kind, ErrorKind::kUsage);
  EXPECT_NE(source.error().message.find("source"), std::string::npos);
  EXPECT_NE(source.error().message.find("PGSHIFT_SOURCE"), std::string::npos);
  auto target = Endpoint::parse("", "target");
  ASSERT_FALSE(target);
  EXPECT_NE(target.error().message.find("--target"), std::string::npos);
  EXPECT_NE(target.error().message.find("PGSHIFT_TARGET"), std::string::npos);
}

// The malformed forms below must be refused as usage errors whose message names the role and never
// contains the password or any recognisable piece of it.
void expect_refused_without(std::string_view text, std::initializer_list<const char*> secrets) {
  auto endpoint = Endpoint::parse(text, "target");
  ASSERT_FALSE(endpoint) << text;
  EXPECT_EQ(endpoint.error().kind, ErrorKind::kUsage) << text;
  const auto& message = endpoint.error().message;
  EXPECT_NE(message.find("target"), std::string::npos) << message;
  for (const char* secret : secrets) {
    EXPECT_EQ(message.find(secret), std::string::npos) << "'" << secret << "' leaked: " << message;
  }
}

TEST(Endpoint, MalformedUriErrorsHideTheUserinfoPassword) {
  expect_refused_without("postgresql://alice:p%zzss@host/db", {"p%zzss", "%zz", "zzss"});
  expect_refused_without("postgresql://alice:%00bad@host/db", {"%00bad", "bad"});
  expect_refused_without("postgresql://alice:s3cret@[::1/db", {"s3cret"});
  expect_refused_without("postgresql://alice:s3cret@[]/db", {"s3cret"});
  expect_refused_without("postgresql://alice:s3cret@host/db?password=%zz", {"s3cret"});
}

TEST(Endpoint, MalformedKeywordValueErrorsHideThePassword) {
  expect_refused_without("host=x password='Zq9x", {"Zq9x"});
  expect_refused_without("host=x passwd=Zq9x", {"Zq9x"});
  expect_refused_without("host=x password=Zq9x bogus", {"Zq9x"});
}

TEST(Endpoint, MalformedUriDoesNotLeakAQueryParameterPassword) {
  expect_refused_without("postgresql://alice@host/db?password=p%zzss", {"p%zzss", "zzss"});
  expect_refused_without("postgresql://[::1/db?password=s3cret", {"s3cret"});
}

// Forms libpq would answer with 'missing "=" after ...': refused before libpq, naming the forms
// that work, on one line, without echoing the text (it may hold a password).
void expect_names_accepted_forms(std::string_view text, const char* secret) {
  auto endpoint = Endpoint::parse(text, "source");
  ASSERT_FALSE(endpoint) << text;
  EXPECT_EQ(endpoint.error().kind, ErrorKind::kUsage);
  const auto& message = endpoint.error().message;
  EXPECT_EQ(message.find("missing \"=\""), std::string::npos) << message;
  for (const char* form : {"postgres://", "postgresql://", "key=value", "sqlite:///"}) {
    EXPECT_NE(message.find(form), std::string::npos) << form << " not named: " << message;
  }
  EXPECT_NE(message.find("source"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.find(secret), std::string::npos) << "leaked: " << message;
}

TEST(Endpoint, UnacceptedFormsNameTheAcceptedOnes) {
  expect_names_accepted_forms("mysql://root:Zq9x@db/app", "Zq9x");
  expect_names_accepted_forms("postgres//alice:Zq9x@db/app", "Zq9x");
  expect_names_accepted_forms("postgres:/alice:Zq9x@db/app", "Zq9x");
  expect_names_accepted_forms("/no/such/dir/app.db", "Zq9x");
  expect_names_accepted_forms("Zq9x", "Zq9x");
  auto scheme = Endpoint::parse("mysql://root:Zq9x@db/app", "source");
  ASSERT_FALSE(scheme);
  EXPECT_NE(scheme.error().message.find("\"mysql://\""), std::string::npos)
      << scheme.error().message;
}

TEST(Endpoint, ABareExistingFileSuggestsTheSqliteUriWithItsAbsolutePath) {
  auto directory = std::filesystem::path(::testing::TempDir()) / "endpoint-bare-path";
  std::filesystem::create_directories(directory);
  std::ofstream(directory / "app.db") << "SQLite format 3";
  auto previous = std::filesystem::current_path();
  std::filesystem::current_path(directory);
  auto endpoint = Endpoint::parse("app.db", "source");
  std::filesystem::current_path(previous);
  ASSERT_FALSE(endpoint);
  EXPECT_EQ(endpoint.error().kind, ErrorKind::kUsage);
  auto absolute = std::filesystem::absolute(directory / "app.db").lexically_normal().string();
  EXPECT_NE(endpoint.error().message.find("sqlite://" + absolute), std::string::npos)
      << endpoint.error().message;
}

TEST(Endpoint, MalformedConninfoAlsoNamesTheAcceptedForms) {
  auto endpoint = Endpoint::parse("host=x bogus", "target");
  ASSERT_FALSE(endpoint);
  EXPECT_NE(endpoint.error().message.find("postgresql://"), std::string::npos)
      << endpoint.error().message;
}

}  // namespace
}  // namespace pgshift

namespace pgshift {
namespace {

// libpq ends user:password at the first '@': the rest of a password with an unencoded '@' would
// become the host (and be shown by display()). Found by tests/fuzz/endpoint_fuzz.cpp.
TEST(EndpointSecrets, UnencodedAtInAPasswordIsRefusedWithoutEchoingIt) {
  auto parsed = Endpoint::parse("postgres://app:pa@ssw0rd!@db.example.com:5432/shop", "source");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().kind, ErrorKind::kUsage);
  EXPECT_NE(parsed.error().message.find("%40"), std::string::npos) << parsed.error().message;
  EXPECT_EQ(parsed.error().message.find("ssw0rd"), std::string::npos) << parsed.error().message;
  auto slash = Endpoint::parse("postgres://app:pa/ssw0rd@db.example.com/shop", "source");
  ASSERT_FALSE(slash.has_value());
  EXPECT_EQ(slash.error().message.find("ssw0rd"), std::string::npos) << slash.error().message;
  auto encoded = Endpoint::parse("postgres://app:pa%40ssw0rd!@db.example.com:5432/shop", "source");
  ASSERT_TRUE(encoded.has_value());
  EXPECT_EQ(encoded->password(), "pa@ssw0rd!");
  EXPECT_EQ(encoded->display(), "app@db.example.com:5432/shop");
}

}  // namespace
}  // namespace pgshift
