// The frame every command runs in: one io_context, SIGINT/SIGTERM turned into a callback, the
// report's common fields (command, endpoints, start and end), the exit code chosen from how the
// root task ended, and the report file written at the end. A command builds one CommandFrame on
// the main thread, runs its root task through run(), then fills in what only it knows (tables,
// summary lines, extra fields) before write_report(). Not thread-safe; everything runs on `io`.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "connectors/pg/endpoint.hpp"
#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"
#include "verify/report.hpp"

namespace pgshift {

class CommandFrame {
 public:
  CommandFrame(std::string command, const Endpoint& source, const Endpoint& target,
               std::string report_path);
  CommandFrame(const CommandFrame&) = delete;
  CommandFrame& operator=(const CommandFrame&) = delete;

  asio::io_context io;
  verify::Report report;

  // Runs `task` until it ends or something calls io.stop(). `on_signal` runs once, on the first
  // SIGINT/SIGTERM; it decides whether to stop `io` at once or let the task wind down. `on_end`
  // runs when the task ends (before io.run() returns), e.g. to stop progress output.
  Status run(Task<Status> task, std::function<void()> on_signal, std::function<void()> on_end = {});
  bool signalled() const { return signalled_; }
  // False when io stopped before the task ended (a signal that stopped io).
  bool task_ended() const { return task_ended_; }

  // Ends the report: times, and exit code and status from `outcome` (status_when_ok if it
  // succeeded). A failure is printed as one line on stderr. Returns the exit code.
  int close(const Status& outcome, const char* status_when_ok = "ok");
  // Marks the report interrupted (exit 130) and sets its times.
  void close_interrupted();
  double seconds() const;
  // Writes the report when --report was given; a failure to write is one line on stderr.
  void write_report() const;
  const std::string& report_path() const { return report_path_; }

 private:
  std::string report_path_;
  std::chrono::steady_clock::time_point started_;
  bool signalled_ = false;
  bool task_ended_ = false;
};

// "host:pid": names this process in run state shared by several machines.
std::string this_worker_id();
// The report status for an exit code: ok, differences, refused, interrupted or failed.
const char* report_status_for(int exit_code);

}  // namespace pgshift
