// Live progress of a run: per-table and overall rows and bytes, printed to stderr every second
// (one rewritten line on a terminal, a line every 10 s otherwise) until stopped. Counters are only
// touched on the io_context thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/asio.hpp"

namespace pgshift {

struct TableProgress {
  std::string name;
  std::int64_t estimated_bytes = 0;
  long long rows = 0;
  std::int64_t bytes = 0;
  int chunks_total = 0;
  int chunks_done = 0;
  int chunks_verified = 0;
};

class Progress {
 public:
  // `first_phase` names the work under way until the first set_phase().
  Progress(std::vector<TableProgress> tables, bool enabled, std::string first_phase = "copy");

  void add(std::size_t table, long long rows, std::int64_t bytes);
  void chunk_done(std::size_t table) { ++tables_[table].chunks_done; }
  void chunk_verified(std::size_t table) { ++tables_[table].chunks_verified; }
  void set_phase(std::string phase);
  const std::vector<TableProgress>& tables() const { return tables_; }
  TableProgress& table(std::size_t index) { return tables_[index]; }

  // Prints until stop() is called.
  Task<void> run_printer();
  void stop();
  std::string summary_line() const;

 private:
  void print(bool final_line);
  std::vector<TableProgress> tables_;
  bool enabled_;
  bool terminal_;
  bool stopped_ = false;
  std::string phase_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::optional<asio::steady_timer> timer_;
};

std::string format_bytes(double bytes);
std::string format_duration(double seconds);

}  // namespace pgshift
