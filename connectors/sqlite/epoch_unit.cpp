#include "connectors/sqlite/epoch_unit.hpp"

#include <string>

namespace pgshift::sqlite {

std::string_view epoch_unit_name(EpochUnit unit) {
  return unit == EpochUnit::kMilliseconds ? "milliseconds" : "seconds";
}

Result<std::optional<EpochUnit>> decide_epoch_unit(std::span<const std::int64_t> sample) {
  std::optional<std::int64_t> seconds_example, milliseconds_example;
  for (std::int64_t value : sample) {
    if (value == 0) continue;
    bool milliseconds = value > kEpochMillisecondsThreshold || value < -kEpochMillisecondsThreshold;
    auto& example = milliseconds ? milliseconds_example : seconds_example;
    if (!example) example = value;
  }
  if (seconds_example && milliseconds_example) {
    return fail(ErrorKind::kRuntime,
                "epoch integers mix seconds and milliseconds (for example " +
                    std::to_string(*seconds_example) + " and " +
                    std::to_string(*milliseconds_example) +
                    "); --cast the column to bigint to keep the numbers as they are");
  }
  if (milliseconds_example) return std::optional<EpochUnit>(EpochUnit::kMilliseconds);
  if (seconds_example) return std::optional<EpochUnit>(EpochUnit::kSeconds);
  return std::optional<EpochUnit>();
}

}  // namespace pgshift::sqlite
