#include "engine/migrate/phase_times.hpp"

#include <algorithm>

namespace pgshift {
namespace {

constexpr std::array<const char*, kPhaseCount> kPhaseNames = {
    "set_up", "copy", "readback", "indexes", "foreign_keys", "analyze", "finalize"};

}  // namespace

void PhaseTimes::add(Phase phase, Clock::time_point start, Clock::time_point end) {
  auto seconds = [this](Clock::time_point at) {
    return std::chrono::duration<double>(at - run_start_).count();
  };
  Totals& totals = totals_[static_cast<int>(phase)];
  totals.busy += std::chrono::duration<double>(end - start).count();
  totals.first = totals.first < 0 ? seconds(start) : std::min(totals.first, seconds(start));
  totals.last = std::max(totals.last, seconds(end));
}

verify::Json PhaseTimes::to_json() const {
  verify::Json out = verify::Json::object();
  for (int phase = 0; phase < kPhaseCount; ++phase) {
    const Totals& totals = totals_[phase];
    if (totals.first < 0) continue;
    out[kPhaseNames[phase]] = {{"busy_s", verify::json_number(totals.busy)},
                               {"first_s", verify::json_number(totals.first)},
                               {"last_s", verify::json_number(totals.last)}};
  }
  return out;
}

}  // namespace pgshift
