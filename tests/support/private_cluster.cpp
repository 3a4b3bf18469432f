#include "tests/support/private_cluster.hpp"

#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "engine/core/subprocess.hpp"

namespace pgshift::test {
namespace {

namespace fs = std::filesystem;

const fs::path kSystemBin = "/usr/lib/postgresql/15/bin";
const fs::path kSystemLib = "/usr/lib/postgresql/15/lib";
const fs::path kSystemShare = "/usr/share/postgresql/15";

bool belongs_to(const std::string& file, const std::vector<std::string>& extensions) {
  for (const auto& extension : extensions) {
    if (file == extension + ".control" || file.starts_with(extension + "--")) return true;
  }
  return false;
}

// PostgreSQL finds its share and lib directories relative to its own binary, so a copy of bin/
// under PREFIX/lib/postgresql/15 reads PREFIX/share/postgresql/15: links to the system's files,
// without the missing extensions' ones.
std::string build_installation(const fs::path& prefix, const std::vector<std::string>& missing) {
  fs::path lib = prefix / "lib/postgresql/15";
  fs::path share = prefix / "share/postgresql/15";
  fs::create_directories(lib);
  fs::create_directories(share / "extension");
  fs::copy(kSystemBin, lib / "bin", fs::copy_options::recursive);
  fs::create_symlink(kSystemLib, lib / "lib");
  for (const auto& entry : fs::directory_iterator(kSystemShare)) {
    if (entry.path().filename() == "extension") continue;
    fs::create_symlink(entry.path(), share / entry.path().filename());
  }
  for (const auto& entry : fs::directory_iterator(kSystemShare / "extension")) {
    if (belongs_to(entry.path().filename().string(), missing)) continue;
    fs::create_symlink(entry.path(), share / "extension" / entry.path().filename());
  }
  return (lib / "bin").string();
}

void check(const Result<ProcessOutput>& ran, const std::string& doing) {
  if (!ran || ran->exit_status != 0) {
    throw std::runtime_error(doing + " failed: " + (ran ? ran->err : ran.error().message));
  }
}

}  // namespace

PrivateCluster::PrivateCluster(const std::string& name, PrivateClusterOptions options) {
  base_ = fs::temp_directory_path() / ("pgshift-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(base_);
  fs::create_directories(base_);
  fs::permissions(base_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
  bin_dir_ = kSystemBin.string();
  if (!options.missing_extensions.empty()) {
    bin_dir_ = build_installation(base_ / "install", options.missing_extensions);
  }
  std::string script = source_dir() + "/tools/cluster.sh";
  // A port found free can be taken by a parallel test before this server binds it: then the start
  // fails, and another free port is tried.
  for (int attempt = 1;; ++attempt) {
    auto port = run_process({script, "free-port"});
    check(port, "cluster.sh free-port");
    port_ = std::stoi(port->out);
    auto started = run_process(
        {script, "start", (base_ / "cluster").string(), std::to_string(port_), "--fast"},
        {{"PGBIN", bin_dir_}});
    if ((started && started->exit_status == 0) || attempt == 3) {
      check(started, "starting a private cluster");
      break;
    }
    fs::remove_all(base_ / "cluster");
  }
  if (!options.settings.empty()) {
    std::ofstream conf(base_ / "cluster/data/postgresql.conf", std::ios::app);
    conf << "\n# added by the test\n";
    for (const auto& line : options.settings) conf << line << "\n";
    conf.close();
    restart();
  }
}

PrivateCluster::~PrivateCluster() {
  run_process({source_dir() + "/tools/cluster.sh", "stop", (base_ / "cluster").string()},
              {{"PGBIN", bin_dir_}});
  std::error_code ignored;
  fs::remove_all(base_, ignored);
}

Cluster PrivateCluster::cluster() const {
  return Cluster{"postgres://postgres:pgshift@127.0.0.1:" + std::to_string(port_)};
}

void PrivateCluster::restart() {
  fs::path dir = base_ / "cluster";
  std::vector<std::string> argv = {bin_dir_ + "/pg_ctl",
                                   "-D",
                                   (dir / "data").string(),
                                   "-l",
                                   (dir / "log").string(),
                                   "-m",
                                   "fast",
                                   "-w",
                                   "restart"};
  if (geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  check(run_process(argv), "restarting a private cluster");
}

}  // namespace pgshift::test
