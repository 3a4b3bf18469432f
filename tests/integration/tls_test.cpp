// TLS: a private cluster with ssl = on and a server certificate signed by a CA the test makes
// (openssl). `sslmode=verify-full` with that CA as `sslrootcert` migrates (source and target both
// over verified TLS); a wrong CA or a host name the certificate does not name is refused with
// exit 2 and one clear line, before anything is written.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "engine/core/subprocess.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/private_cluster.hpp"

namespace pgshift::test {
namespace {

namespace fs = std::filesystem;

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto ran = run_process(argv);
  if (!ran || ran->exit_status != 0) {
    throw std::runtime_error("openssl " + args[0] + " failed: " + (ran ? ran->err : ""));
  }
}

// A CA, a second CA that signed nothing here, and a server certificate for "localhost" only.
struct Certificates {
  fs::path dir;
  fs::path ca() const { return dir / "ca.crt"; }
  fs::path other_ca() const { return dir / "other-ca.crt"; }
  fs::path server_cert() const { return dir / "server.crt"; }
  fs::path server_key() const { return dir / "server.key"; }

  Certificates() {
    dir = fs::temp_directory_path() / ("pgshift-certs-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto path = [&](const char* name) { return (dir / name).string(); };
    for (const char* name : {"ca", "other-ca"}) {
      openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
               std::string("/CN=pgshift test ") + name, "-keyout", path(name) + ".key", "-out",
               path(name) + ".crt"});
    }
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout",
             path("server.key"), "-out", path("server.csr")});
    {
      std::FILE* ext = std::fopen(path("server.ext").c_str(), "w");
      std::fputs("subjectAltName = DNS:localhost\n", ext);
      std::fclose(ext);
    }
    openssl({"x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey",
             path("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", path("server.ext"),
             "-out", path("server.crt")});
    // The server reads its key as its own user and wants it private.
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    fs::permissions(server_key(), fs::perms::owner_read | fs::perms::owner_write);
    if (geteuid() == 0) {
      if (passwd* user = getpwnam("postgres")) {
        for (const auto& file : {server_cert(), server_key()}) {
          if (chown(file.c_str(), user->pw_uid, user->pw_gid) != 0) {
            throw std::runtime_error("chown " + file.string());
          }
        }
      }
    }
  }
  ~Certificates() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certificates_ = new Certificates();
    cluster_ = new PrivateCluster(
        "tls", PrivateClusterOptions{
                   {"ssl = on", "ssl_cert_file = '" + certificates_->server_cert().string() + "'",
                    "ssl_key_file = '" + certificates_->server_key().string() + "'"}});
  }
  static void TearDownTestSuite() {
    delete cluster_;
    delete certificates_;
  }
  // `database` on the TLS cluster, by host name `host`, verified against `ca`.
  static std::string uri(const std::string& host, const std::string& database, const fs::path& ca) {
    return "postgres://postgres:pgshift@" + host + ":" + std::to_string(cluster_->port()) + "/" +
           database + "?sslmode=verify-full&sslrootcert=" + ca.string();
  }
  static std::string plain(const std::string& database) {
    return cluster_->cluster().uri(database);
  }

  static Certificates* certificates_;
  static PrivateCluster* cluster_;
};

Certificates* Tls::certificates_ = nullptr;
PrivateCluster* Tls::cluster_ = nullptr;

int lines(const std::string& text) {
  int count = 0;
  for (char c : text) count += c == '\n';
  return count + (!text.empty() && text.back() != '\n');
}

TEST_F(Tls, VerifyFullMigratesBothSides) {
  std::string source_plain = fresh_database(cluster_->cluster(), "tls_src");
  std::string target_plain = fresh_database(cluster_->cluster(), "tls_dst");
  exec(source_plain,
       "CREATE TABLE t (id int PRIMARY KEY, v text);"
       "INSERT INTO t SELECT i, md5(i::text) FROM generate_series(1, 20000) i;");
  std::string source_db = source_plain.substr(source_plain.rfind('/') + 1);
  std::string target_db = target_plain.substr(target_plain.rfind('/') + 1);
  std::string source = uri("localhost", source_db, certificates_->ca());
  std::string target = uri("localhost", target_db, certificates_->ca());
  // The test's own check that these connections are encrypted.
  EXPECT_EQ(scalar(source, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), "t");
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--jobs", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string sql = "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY id)) FROM t";
  EXPECT_EQ(scalar(source_plain, sql), scalar(target_plain, sql));
  auto verify = run_pgshift({"verify", "--source", source, "--target", target});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(run.err.find("pgshift@"), std::string::npos) << "a password in the log: " << run.err;
}

// A wrong CA on either side, and a host name the certificate does not name: exit 2, one line
// that says what failed, no password, nothing written to the target.
TEST_F(Tls, WrongCaOrHostNameIsRefused) {
  std::string source_plain = fresh_database(cluster_->cluster(), "tls_src");
  std::string target_plain = fresh_database(cluster_->cluster(), "tls_dst");
  exec(source_plain, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)");
  std::string source_db = source_plain.substr(source_plain.rfind('/') + 1);
  std::string target_db = target_plain.substr(target_plain.rfind('/') + 1);
  struct Case {
    std::string name, source, target, expect;
  };
  std::vector<Case> cases = {
      {"wrong CA for the source", uri("localhost", source_db, certificates_->other_ca()),
       uri("localhost", target_db, certificates_->ca()), "certificate verify failed"},
      {"wrong CA for the target", uri("localhost", source_db, certificates_->ca()),
       uri("localhost", target_db, certificates_->other_ca()), "certificate verify failed"},
      {"wrong host name", uri("127.0.0.1", source_db, certificates_->ca()),
       uri("localhost", target_db, certificates_->ca()), "does not match host name"},
  };
  for (const auto& c : cases) {
    auto run = run_pgshift({"migrate", "--source", c.source, "--target", c.target, "--quiet"});
    EXPECT_EQ(run.exit_code, 2) << c.name << ": " << run.err;
    EXPECT_EQ(lines(run.err), 1) << c.name << ": " << run.err;
    EXPECT_NE(run.err.find(c.expect), std::string::npos) << c.name << ": " << run.err;
    EXPECT_EQ(run.err.find(":pgshift@"), std::string::npos) << c.name << ": " << run.err;
    EXPECT_EQ(scalar(target_plain, "SELECT to_regnamespace('pgshift') IS NULL"), "t") << c.name;
  }
  auto verify = run_pgshift({"verify", "--source", cases[1].source, "--target", cases[1].target});
  EXPECT_EQ(verify.exit_code, 2) << verify.err;
  EXPECT_NE(verify.err.find("certificate verify failed"), std::string::npos) << verify.err;
}

}  // namespace
}  // namespace pgshift::test
