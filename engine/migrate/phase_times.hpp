// Where a migrate run's time went, by phase, for the report's "phases" member: for each phase
// the busy seconds summed over its tasks (tasks of one phase overlap, so the sum can exceed the
// wall time: it is what the phase cost, not how long the run waited for it) and when the phase
// was first and last busy, in seconds from the run's start. Owned by the RunContext; only
// touched on the io_context thread.
#pragma once

#include <array>
#include <chrono>

#include "verify/json.hpp"

namespace pgshift {

enum class Phase {
  kSetUp,        // connect, plan chunks, schema (pre-data)
  kCopy,         // COPY of each chunk, with its commit
  kReadback,     // each chunk (or keyless table) read back from the target and hashed
  kIndexes,      // indexes and primary/unique constraints
  kForeignKeys,  // foreign keys added and validated
  kAnalyze,      // ANALYZE of each table
  kFinalize,     // post-data, sequences, large objects, materialized views
};
inline constexpr int kPhaseCount = 7;

class PhaseTimes {
 public:
  using Clock = std::chrono::steady_clock;

  // Times one task of `phase` from construction to stop() (or destruction).
  class Span {
   public:
    Span(PhaseTimes& times, Phase phase) : times_(&times), phase_(phase), start_(Clock::now()) {}
    Span(const Span&) = delete;
    Span& operator=(const Span&) = delete;
    ~Span() { stop(); }
    void stop() {
      if (times_) times_->add(phase_, start_, Clock::now());
      times_ = nullptr;
    }

   private:
    PhaseTimes* times_;
    Phase phase_;
    Clock::time_point start_;
  };

  PhaseTimes() : run_start_(Clock::now()) {}

  Span time(Phase phase) { return Span(*this, phase); }
  void add(Phase phase, Clock::time_point start, Clock::time_point end);

  // {"copy": {"busy_s": 12.3, "first_s": 0.8, "last_s": 14.1}, ...}; phases never busy left out.
  verify::Json to_json() const;

 private:
  struct Totals {
    double busy = 0;
    double first = -1;
    double last = 0;
  };
  Clock::time_point run_start_;
  std::array<Totals, kPhaseCount> totals_{};
};

}  // namespace pgshift
