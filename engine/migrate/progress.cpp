#include "engine/migrate/progress.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>

namespace pgshift {

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

std::string format_duration(double seconds) {
  char text[32];
  if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.1fs", seconds);
  } else if (seconds < 3600) {
    std::snprintf(text, sizeof text, "%dm%02ds", static_cast<int>(seconds) / 60,
                  static_cast<int>(seconds) % 60);
  } else {
    std::snprintf(text, sizeof text, "%dh%02dm", static_cast<int>(seconds) / 3600,
                  (static_cast<int>(seconds) % 3600) / 60);
  }
  return text;
}

Progress::Progress(std::vector<TableProgress> tables, bool enabled, std::string first_phase)
    : tables_(std::move(tables)),
      enabled_(enabled),
      terminal_(isatty(STDERR_FILENO)),
      phase_(std::move(first_phase)) {}

void Progress::add(std::size_t table, long long rows, std::int64_t bytes) {
  tables_[table].rows += rows;
  tables_[table].bytes += bytes;
}

void Progress::set_phase(std::string phase) {
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  spdlog::info("{} done at {:.1f}s; {} begins", phase_, elapsed, phase);
  phase_ = std::move(phase);
}

std::string Progress::summary_line() const {
  long long rows = 0;
  std::int64_t bytes = 0, estimated = 0;
  int chunks = 0, done = 0, verified = 0;
  for (const auto& table : tables_) {
    rows += table.rows;
    bytes += table.bytes;
    estimated += table.estimated_bytes;
    chunks += table.chunks_total;
    done += table.chunks_done;
    verified += table.chunks_verified;
  }
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  double rate = elapsed > 0 ? bytes / elapsed : 0;
  std::string eta = "-";
  if (rate > 0 && estimated > bytes) eta = format_duration((estimated - bytes) / rate);
  char line[256];
  std::snprintf(
      line, sizeof line, "[%s] %s  chunks %d/%d (verified %d)  rows %lld  %s  %s/s  ETA %s",
      phase_.c_str(), format_duration(elapsed).c_str(), done, chunks, verified, rows,
      format_bytes(static_cast<double>(bytes)).c_str(), format_bytes(rate).c_str(), eta.c_str());
  return line;
}

void Progress::print(bool final_line) {
  std::string line = summary_line();
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

Task<void> Progress::run_printer() {
  if (!enabled_) co_return;
  timer_.emplace(co_await asio::this_coro::executor);
  int ticks = 0;
  while (!stopped_) {
    timer_->expires_after(std::chrono::seconds(1));
    boost::system::error_code ignored;
    co_await timer_->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    if (stopped_) break;
    if (terminal_ || ++ticks % 10 == 0) print(false);
  }
  print(true);
}

void Progress::stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
}

}  // namespace pgshift
