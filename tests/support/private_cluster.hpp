// A PostgreSQL 15 cluster of a test's own (tools/cluster.sh on a free port), for cases the suite's
// shared pair cannot show: other settings (wal_level = replica), a restart, or an installation
// that lacks some extensions (a copy of the server binaries whose share directory leaves their
// files out). Started by the constructor, stopped and deleted by the destructor. Not copyable.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {

struct PrivateClusterOptions {
  std::vector<std::string> settings;            // postgresql.conf lines, e.g. "wal_level = replica"
  std::vector<std::string> missing_extensions;  // left out of the server's installation
};

class PrivateCluster {
 public:
  explicit PrivateCluster(const std::string& name, PrivateClusterOptions options = {});
  ~PrivateCluster();
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;

  Cluster cluster() const;
  int port() const { return port_; }
  void restart();

 private:
  std::filesystem::path base_;  // holds cluster/ and, with missing extensions, install/
  std::string bin_dir_;
  int port_ = 0;
};

}  // namespace pgshift::test
