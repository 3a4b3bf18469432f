// The `pgshift sync` process a cutover starts when none follows the stream ("cutover applies the
// stream itself"): this same executable, with the endpoints in its environment (PGSHIFT_SOURCE /
// PGSHIFT_TARGET, never on argv, where `ps` would show a password). It resumes the recorded stream
// and exits 0 when the cutover marks the stream done. Owned by the cutover's thread; the
// destructor stops a process still running (SIGTERM: its state stays in the target).
#pragma once

#include <sys/types.h>

#include <string>

#include "engine/core/result.hpp"
#include "engine/cutover/cutover_options.hpp"

namespace pgshift::cutover {

class SyncProcess {
 public:
  static Result<SyncProcess> start(const CutoverOptions& options);
  // Started in a session of its own with stdout and stderr appended to `log_path`, to outlive
  // this process (the reverse stream after `cutover --reverse`); release() it then.
  static Result<SyncProcess> start_detached(const CutoverOptions& options,
                                            const std::string& log_path);
  // Forgets the process: it is not stopped by the destructor.
  int release() {
    int pid = pid_;
    pid_ = -1;
    return pid;
  }
  SyncProcess(SyncProcess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  SyncProcess& operator=(SyncProcess&&) = delete;
  ~SyncProcess();

  // Whether it ended (reaped); its exit status in `status` then.
  bool ended(int& status);
  void terminate();

 private:
  explicit SyncProcess(pid_t pid) : pid_(pid) {}
  static Result<SyncProcess> spawn(const CutoverOptions& options, const std::string& log_path);
  pid_t pid_ = -1;
};

}  // namespace pgshift::cutover
