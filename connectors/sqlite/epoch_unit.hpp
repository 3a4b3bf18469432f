// Whether the INTEGER values of a date-like SQLite column are Unix epoch seconds or milliseconds,
// decided once per column from a sample of its values (and shown in the plan).
//
// Rule: a value v with |v| > 10^11 is milliseconds, any other non-zero value is seconds; 0 fits
// both and decides nothing. 10^11 seconds is the year 5138 and 10^11 milliseconds is 1973-03-03,
// so seconds up to the year 5138 and milliseconds from March 1973 on (and before October 1966)
// are told apart correctly. A sample holding both kinds is an error that shows one example of
// each; a sample with nothing decisive (empty, or only zeros) decides nothing (std::nullopt) and
// the caller picks the default, seconds.
//
// Julian days: SQLite stores a REAL with no fraction as an INTEGER in a NUMERIC-affinity column
// (DATE, DATETIME, ...), so a column of julianday() values holds a few integers (exact noons)
// among its REALs. When the sample holds REALs (`julian_reals` > 0), its integers are Julian days
// too, provided they are all within Julian range (0 to 5373484); an integer outside that range
// next to Julian REALs is an error showing both. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "engine/core/result.hpp"

namespace pgshift::sqlite {

// How an INTEGER value of a date-like column is read.
enum class EpochUnit : std::uint8_t { kSeconds, kMilliseconds, kJulianDays };

inline constexpr std::int64_t kEpochMillisecondsThreshold = 100'000'000'000;  // 10^11

std::string_view epoch_unit_name(EpochUnit unit);

inline constexpr std::int64_t kMaxJulianDay = 5'373'484;  // 9999-12-31

// `sample`: INTEGER values of the column; `julian_reals`: how many REAL values were seen with them.
Result<std::optional<EpochUnit>> decide_epoch_unit(std::span<const std::int64_t> sample,
                                                   std::size_t julian_reals = 0);

}  // namespace pgshift::sqlite
