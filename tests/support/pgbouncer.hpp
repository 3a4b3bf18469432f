// A PgBouncer (the Debian package) in front of a test cluster, in the pool mode asked for, on a
// free local port: a generated ini and userlist in a private directory, run as the `postgres`
// user when the test runs as root (PgBouncer refuses root). Started by the constructor; the
// destructor stops that one process (by the pid it wrote) and deletes the directory.
#pragma once

#include <filesystem>
#include <string>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {

class PgBouncer {
 public:
  static bool installed();
  // `backend_port`: the cluster's port; clients log in as postgres/pgshift, like the cluster.
  PgBouncer(int backend_port, const std::string& pool_mode);
  ~PgBouncer();
  PgBouncer(const PgBouncer&) = delete;
  PgBouncer& operator=(const PgBouncer&) = delete;

  Cluster cluster() const;  // URIs through the pooler

 private:
  bool start(int backend_port, const std::string& pool_mode, std::string& error);
  void read_pid();
  void stop();

  std::filesystem::path dir_;
  int port_ = 0;
  int pid_ = 0;
};

}  // namespace pgshift::test
