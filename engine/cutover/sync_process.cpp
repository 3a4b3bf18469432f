#include "engine/cutover/sync_process.hpp"

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
  pid_t pid = -1;
  int rc = posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), envp.data());
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
