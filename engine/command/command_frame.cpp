#include "engine/command/command_frame.hpp"

#include <unistd.h>

#include <cstdio>

#include "engine/core/task_guard.hpp"

namespace pgshift {

CommandFrame::CommandFrame(std::string command, const Endpoint& source, const Endpoint& target,
                           std::string report_path)
    : report_path_(std::move(report_path)), started_(std::chrono::steady_clock::now()) {
  report.command = std::move(command);
  report.started_at = verify::now_iso8601();
  report.source = source.display();
  report.target = target.display();
}

Status CommandFrame::run(Task<Status> task, std::function<void()> on_signal,
                         std::function<void()> on_end) {
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    signalled_ = true;
    if (on_signal) on_signal();
  });
  Status outcome;
  spawn_task(io.get_executor(), report.command, std::move(task), [&](Status status) {
    outcome = std::move(status);
    task_ended_ = true;
    signals.cancel();
    if (on_end) on_end();
  });
  io.run();
  return outcome;
}

double CommandFrame::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

int CommandFrame::close(const Status& outcome, const char* status_when_ok) {
  report.finished_at = verify::now_iso8601();
  report.seconds = seconds();
  if (outcome) {
    report.exit_code = 0;
    report.status = status_when_ok;
    return 0;
  }
  report.exit_code = exit_code_for(outcome.error().kind);
  report.status = report_status_for(report.exit_code);
  report.error = outcome.error().message;
  std::fprintf(stderr, "pgshift: %s\n", outcome.error().message.c_str());
  return report.exit_code;
}

void CommandFrame::close_interrupted() {
  report.finished_at = verify::now_iso8601();
  report.seconds = seconds();
  report.exit_code = 130;
  report.status = "interrupted";
  report.error = "interrupted";
}

void CommandFrame::write_report() const {
  if (report_path_.empty()) return;
  if (auto written = verify::write_report_file(report, report_path_); !written) {
    std::fprintf(stderr, "pgshift: %s\n", written.error().message.c_str());
  }
}

std::string this_worker_id() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid());
}

const char* report_status_for(int exit_code) {
  switch (exit_code) {
    case 0:
      return "ok";
    case 1:
      return "differences";
    case 2:
      return "refused";
    case 130:
      return "interrupted";
    default:
      return "failed";
  }
}

}  // namespace pgshift
