// Integration-test support: the clusters of the suite's fixture (read from the env file that
// tools/test-clusters.sh wrote), a fresh database per test, plain synchronous libpq queries that
// share no code with pgshift's engine, and running the real pgshift binary.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pgshift::test {

struct Cluster {
  std::string uri_base;  // postgres://postgres:pgshift@127.0.0.1:PORT
  std::string uri(const std::string& database) const { return uri_base + "/" + database; }
};

Cluster source_cluster();
Cluster target_cluster();

// Drops (if present) and creates a database named after `base` and the running test (so tests
// can run in parallel); returns its URI.
std::string fresh_database(const Cluster& cluster, const std::string& name);

using Rows = std::vector<std::vector<std::string>>;  // NULL reads as "<NULL>"
Rows query(const std::string& uri, const std::string& sql);
std::string scalar(const std::string& uri, const std::string& sql);
void exec(const std::string& uri, const std::string& sql);  // throws on error
// "rows:md5" of a table's rows in text form, in a fixed order: equal on two servers iff the rows
// are (for comparing a target with its source without pgshift's code).
std::string table_digest(const std::string& uri, const std::string& table);

// The whole file as text ("" if it cannot be read): reports, logs.
std::string read_file(const std::string& path);

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};
RunResult run_pgshift(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env = {});

// Migrates `source` into `target`, then drops pgshift's state there: two databases as a user
// would compare them. "" on success, else the migrate's stderr.
std::string migrate_without_state(const std::string& source, const std::string& target);

// Starts the pgshift binary in the background (stdout inherited, stderr to `stderr_path`).
int spawn_pgshift(const std::vector<std::string>& args,
                  const std::string& stderr_path = "/dev/null");

std::string source_dir();

// A loopback TCP port nothing listens on now (bound, then released).
int unused_loopback_port();

}  // namespace pgshift::test
