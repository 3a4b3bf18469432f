#include "engine/cutover/sync_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace pgshift::cutover {

Result<SyncProcess> SyncProcess::start(const CutoverOptions& options) {
  return spawn(options, {});
}

Result<SyncProcess> SyncProcess::start_detached(const CutoverOptions& options,
                                                const std::string& log_path) {
  return spawn(options, log_path);
}

Result<SyncProcess> SyncProcess::spawn(const CutoverOptions& options, const std::string& log_path) {
  std::vector<std::string> args = {"pgshift", "sync", "--quiet"};
  auto add = [&args](const char* option, const std::vector<std::string>& values) {
    for (const auto& value : values) args.insert(args.end(), {option, value});
  };
  add("--include-table", options.filter.include_tables);
  add("--exclude-table", options.filter.exclude_tables);
  add("--exclude-schema", options.filter.exclude_schemas);
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view text(*entry);
    if (!text.starts_with("PGSHIFT_SOURCE=") && !text.starts_with("PGSHIFT_TARGET=")) {
      env.emplace_back(text);
    }
  }
  env.push_back("PGSHIFT_SOURCE=" + options.source.conninfo());
  env.push_back("PGSHIFT_TARGET=" + options.target.conninfo());
  std::vector<char*> argv, envp;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  for (auto& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (!log_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    // Its own session: a Ctrl-C meant for the terminal's foreground does not stop it.
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  }
  // Only standard input, output and error: a background sync must not keep our sockets open.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    return fail(ErrorKind::kRuntime,
                std::string("cannot start a pgshift sync process: ") + std::strerror(rc));
  }
  return SyncProcess(pid);
}

bool SyncProcess::ended(int& status) {
  if (pid_ < 0) return true;
  int raw = 0;
  pid_t got = waitpid(pid_, &raw, WNOHANG);
  if (got == 0) return false;
  status = got < 0 ? -1 : WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  pid_ = -1;
  return true;
}

void SyncProcess::terminate() {
  if (pid_ < 0) return;
  kill(pid_, SIGTERM);
  int raw = 0;
  while (waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

SyncProcess::~SyncProcess() {
  terminate();
}

}  // namespace pgshift::cutover
