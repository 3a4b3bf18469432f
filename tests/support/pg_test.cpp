#include "tests/support/pg_test.hpp"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <libpq-fe.h>
#include <spawn.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>

#include "engine/core/subprocess.hpp"

extern char** environ;

namespace pgshift::test {
namespace {

std::map<std::string, std::string> read_env_file() {
  std::ifstream file(PGSHIFT_CLUSTER_ENV);
  if (!file) {
    throw std::runtime_error(std::string("no test clusters: ") + PGSHIFT_CLUSTER_ENV +
                             " is missing (run the tests through ctest, which starts them)");
  }
  std::map<std::string, std::string> values;
  for (std::string line; std::getline(file, line);) {
    auto equals = line.find('=');
    if (equals != std::string::npos) values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return values;
}

Cluster cluster_from(const std::string& key) {
  auto values = read_env_file();
  std::string uri = values.at(key);
  return Cluster{uri.substr(0, uri.rfind('/'))};
}

struct Conn {
  explicit Conn(const std::string& uri) : conn(PQconnectdb(uri.c_str())) {
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string message = PQerrorMessage(conn);
      PQfinish(conn);
      throw std::runtime_error("connect " + uri + ": " + message);
    }
  }
  ~Conn() { PQfinish(conn); }
  PGconn* conn;
};

}  // namespace

Cluster source_cluster() {
  return cluster_from("PGSHIFT_TEST_SOURCE");
}
Cluster target_cluster() {
  return cluster_from("PGSHIFT_TEST_TARGET");
}

std::string fresh_database(const Cluster& cluster, const std::string& base) {
  // Tests run in parallel (ctest -j): the database name carries the running test's name.
  std::string name = base;
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    std::string test = std::string(info->test_suite_name()) + "." + info->name();
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "_%08zx", std::hash<std::string>{}(test)&0xffffffff);
    name += suffix;
  }
  // A logical slot left by an earlier run of the test (a sync) would keep the database.
  exec(cluster.uri("postgres"),
       "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" +
           name + "' AND NOT active");
  exec(cluster.uri("postgres"), "DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
  exec(cluster.uri("postgres"), "CREATE DATABASE \"" + name + "\"");
  return cluster.uri(name);
}

Rows query(const std::string& uri, const std::string& sql) {
  Conn connection(uri);
  PGresult* result = PQexec(connection.conn, sql.c_str());
  auto status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string message = PQresultErrorMessage(result);
    PQclear(result);
    throw std::runtime_error("query failed: " + message + "\n" + sql);
  }
  Rows rows;
  for (int row = 0; row < PQntuples(result); ++row) {
    std::vector<std::string> values;
    for (int column = 0; column < PQnfields(result); ++column) {
      values.push_back(PQgetisnull(result, row, column) ? "<NULL>"
                                                        : PQgetvalue(result, row, column));
    }
    rows.push_back(std::move(values));
  }
  PQclear(result);
  return rows;
}

std::string scalar(const std::string& uri, const std::string& sql) {
  auto rows = query(uri, sql);
  if (rows.empty() || rows[0].empty()) return "<NONE>";
  return rows[0][0];
}

void exec(const std::string& uri, const std::string& sql) {
  query(uri, sql);
}

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

std::string migrate_without_state(const std::string& source, const std::string& target) {
  auto migrated = run_pgshift({"migrate", "--source", source, "--target", target, "--quiet"});
  if (migrated.exit_code != 0)
    return "exit " + std::to_string(migrated.exit_code) + ": " + migrated.err;
  exec(target, "DROP SCHEMA pgshift CASCADE");
  return "";
}

std::string table_digest(const std::string& uri, const std::string& table) {
  return scalar(uri,
                "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t::text)) FROM " +
                    table + " t");
}

RunResult run_pgshift(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {PGSHIFT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto output = run_process(argv, env);
  if (!output) throw std::runtime_error("cannot run pgshift: " + output.error().message);
  return RunResult{output->exit_status, output->out, output->err};
}

int spawn_pgshift(const std::vector<std::string>& args, const std::string& stderr_path) {
  std::vector<std::string> argv = {PGSHIFT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (auto& arg : argv) raw.push_back(arg.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // not the test's proxies' sockets
  pid_t pid = -1;
  int failed = posix_spawn(&pid, raw[0], &actions, nullptr, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (failed) throw std::runtime_error("cannot start pgshift: " + std::to_string(failed));
  return pid;
}

std::string source_dir() {
  return PGSHIFT_SOURCE_DIR;
}

int unused_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

}  // namespace pgshift::test
