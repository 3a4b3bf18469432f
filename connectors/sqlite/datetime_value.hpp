// Dates and times as SQLite applications store them, converted to PostgreSQL's binary
// representation: date = int32 days since 2000-01-01, timestamp/timestamptz = int64 microseconds
// since 2000-01-01 00:00:00 (UTC for timestamptz), proleptic Gregorian calendar. Sources:
//   ISO-8601 text  "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fraction]]" (space or T), optionally
//                  followed by a zone: Z, +hh:mm, +hhmm or +hh (blanks allowed before it);
//                  'infinity' and '-infinity' as in PostgreSQL. A fraction beyond microseconds is
//                  refused unless its extra digits are zeros (never rounded silently).
//   Julian day     a REAL, read the way SQLite's own date functions read it: rounded to the
//                  millisecond (iJD = jd * 86400000 + 0.5), valid from 0 up to 5373484.5.
//   Unix epoch     an INTEGER in seconds or milliseconds, or a whole Julian day (see
//                  epoch_unit.hpp).
// Range checks follow PostgreSQL (4714-11-24 BC to 294276 AD for timestamps). Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/sqlite/epoch_unit.hpp"
#include "engine/core/result.hpp"

namespace pgshift::sqlite {

inline constexpr std::int64_t kMicrosPerSecond = 1'000'000;
inline constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
inline constexpr std::int64_t kUnixToPgEpochDays = 10'957;  // 1970-01-01 .. 2000-01-01
inline constexpr std::int64_t kUnixToPgEpochSeconds = kUnixToPgEpochDays * 86'400;

// PostgreSQL's encodings of 'infinity' and '-infinity'.
inline constexpr std::int32_t kDateInfinity = INT32_MAX;
inline constexpr std::int32_t kDateMinusInfinity = INT32_MIN;
inline constexpr std::int64_t kTimestampInfinity = INT64_MAX;
inline constexpr std::int64_t kTimestampMinusInfinity = INT64_MIN;

// Days from 1970-01-01 to the given proleptic Gregorian date (year 0 = 1 BC), and back.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day);

struct ParsedDateTime {
  enum class Special : std::uint8_t { kFinite, kInfinity, kMinusInfinity };
  Special special = Special::kFinite;
  std::int64_t micros = 0;  // since 2000-01-01 00:00:00; UTC when has_zone (zone applied)
  bool has_time = false;    // a time of day was written
  bool has_zone = false;    // a zone was written (micros converted to UTC)
};

// Parses ISO-8601 text as described above. Errors (kRuntime) say what is wrong, not the value.
Result<ParsedDateTime> parse_iso_datetime(std::string_view text);

// Microseconds since the PostgreSQL epoch for a Julian day number (SQLite's millisecond rounding).
Result<std::int64_t> julian_day_to_micros(double julian_day);

// Microseconds since the PostgreSQL epoch for an INTEGER of a date-like column in `unit`.
Result<std::int64_t> epoch_to_micros(std::int64_t value, EpochUnit unit);

// PostgreSQL's valid ranges (infinity encodings excepted).
bool timestamp_in_range(std::int64_t micros);
bool date_in_range(std::int64_t days);

// Text PostgreSQL reads back as the same value: "2024-02-29 13:05:00.25", "0044-03-15 BC",
// "infinity".
std::string format_timestamp(std::int64_t micros);
std::string format_date(std::int32_t days);

}  // namespace pgshift::sqlite
