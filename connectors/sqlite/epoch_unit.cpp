#include "connectors/sqlite/epoch_unit.hpp"

#include <string>

namespace pgshift::sqlite {

std::string_view epoch_unit_name(EpochUnit unit) {
  switch (unit) {
    case EpochUnit::kSeconds:
      return "seconds";
    case EpochUnit::kMilliseconds:
      return "milliseconds";
    case EpochUnit::kJulianDays:
      return "Julian days";
  }
  return "?";
}

Result<std::optional<EpochUnit>> decide_epoch_unit(std::span<const std::int64_t> sample,
                                                   std::size_t julian_reals) {
  if (julian_reals > 0) {
    for (std::int64_t value : sample) {
      if (value < 0 || value > kMaxJulianDay) {
        return fail(ErrorKind::kRuntime,
                    "Julian-day REALs mixed with the epoch integer " + std::to_string(value) +
                        "; --cast the column to text or double precision to keep the values");
      }
    }
    return std::optional<EpochUnit>(EpochUnit::kJulianDays);
  }
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
