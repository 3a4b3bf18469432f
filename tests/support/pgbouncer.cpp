#include "tests/support/pgbouncer.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "engine/core/subprocess.hpp"

namespace pgshift::test {
namespace {

namespace fs = std::filesystem;
const char* kBinary = "/usr/sbin/pgbouncer";

bool accepts_connections(int port) {
  try {
    query("postgres://postgres:pgshift@127.0.0.1:" + std::to_string(port) + "/postgres",
          "SELECT 1");
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

bool PgBouncer::installed() {
  return fs::exists(kBinary);
}

PgBouncer::PgBouncer(int backend_port, const std::string& pool_mode) {
  dir_ = fs::temp_directory_path() / ("pgshift-pgbouncer-" + std::to_string(getpid()));
  // A free port can be taken by a parallel test before pgbouncer binds it (it then logs the bind
  // error and never accepts): try again on another port.
  std::string last_error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (start(backend_port, pool_mode, last_error)) return;
    stop();
  }
  throw std::runtime_error(last_error);
}

bool PgBouncer::start(int backend_port, const std::string& pool_mode, std::string& error) {
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  auto port = run_process({source_dir() + "/tools/cluster.sh", "free-port"});
  if (!port || port->exit_status != 0) throw std::runtime_error("no free port for pgbouncer");
  port_ = std::stoi(port->out);
  {
    std::ofstream ini(dir_ / "pgbouncer.ini");
    ini << "[databases]\n* = host=127.0.0.1 port=" << backend_port << "\n\n[pgbouncer]\n"
        << "listen_addr = 127.0.0.1\nlisten_port = " << port_ << "\nunix_socket_dir =\n"
        << "auth_type = plain\nauth_file = " << (dir_ / "userlist.txt").string() << "\n"
        << "pool_mode = " << pool_mode << "\nmax_client_conn = 100\ndefault_pool_size = 4\n"
        << "ignore_startup_parameters = extra_float_digits,options\n"
        << "logfile = " << (dir_ / "pgbouncer.log").string() << "\n"
        << "pidfile = " << (dir_ / "pgbouncer.pid").string() << "\n";
    std::ofstream users(dir_ / "userlist.txt");
    users << "\"postgres\" \"pgshift\"\n";
  }
  std::vector<std::string> argv = {kBinary, "-d", (dir_ / "pgbouncer.ini").string()};
  if (geteuid() == 0) {
    run_process({"chown", "-R", "postgres:", dir_.string()});
    argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  }
  auto started = run_process(argv);
  if (!started || started->exit_status != 0) {
    throw std::runtime_error("pgbouncer did not start: " + (started ? started->err : ""));
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!accepts_connections(port_)) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::ifstream log(dir_ / "pgbouncer.log");
      std::string line, tail;
      while (std::getline(log, line)) tail = line;
      error = "pgbouncer does not accept connections on port " + std::to_string(port_) +
              " (last log line: " + tail + ")";
      read_pid();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  read_pid();
  return true;
}

void PgBouncer::read_pid() {
  std::ifstream pidfile(dir_ / "pgbouncer.pid");
  pidfile >> pid_;
}

void PgBouncer::stop() {
  if (pid_ > 0 && kill(pid_, SIGTERM) == 0) {
    for (int i = 0; i < 50 && kill(pid_, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  pid_ = -1;
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

PgBouncer::~PgBouncer() {
  stop();
}

Cluster PgBouncer::cluster() const {
  return Cluster{"postgres://postgres:pgshift@127.0.0.1:" + std::to_string(port_)};
}

}  // namespace pgshift::test
