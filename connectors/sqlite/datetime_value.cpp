#include "connectors/sqlite/datetime_value.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

#include "engine/core/ascii_text.hpp"

namespace pgshift::sqlite {
namespace {

// PostgreSQL's MIN_TIMESTAMP (4714-11-24 00:00 BC) and END_TIMESTAMP (294277-01-01 00:00).
constexpr std::int64_t kMinTimestamp = -211'813'488'000'000'000;
constexpr std::int64_t kEndTimestamp = 9'223'371'331'200'000'000;
// Julian days 0 (DATETIME_MIN_JULIAN) and 2147483494 (DATE_END_JULIAN) relative to 2000-01-01.
constexpr std::int64_t kPgEpochJulian = 2'451'545;
constexpr std::int64_t kMinDate = -kPgEpochJulian;
constexpr std::int64_t kEndDate = 2'147'483'494 - kPgEpochJulian;
// SQLite's iJD (Julian day in milliseconds) of 2000-01-01 00:00:00.
constexpr std::int64_t kPgEpochJulianMillis = 211'813'444'800'000;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool digits(std::string_view text, std::size_t& at, std::size_t count, int& value) {
  if (text.size() - at < count) return false;
  value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!is_digit(text[at + i])) return false;
    value = value * 10 + (text[at + i] - '0');
  }
  at += count;
  return true;
}

bool leap(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : kDays[month - 1];
}

std::string year_text(std::int64_t year, bool& bc) {
  bc = year <= 0;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04lld", static_cast<long long>(bc ? 1 - year : year));
  return buffer;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2);
}

Result<ParsedDateTime> parse_iso_datetime(std::string_view raw) {
  std::string_view text = trim(raw);
  ParsedDateTime out;
  if (iequals(text, "infinity") || iequals(text, "+infinity")) {
    out.special = ParsedDateTime::Special::kInfinity;
    return out;
  }
  if (iequals(text, "-infinity")) {
    out.special = ParsedDateTime::Special::kMinusInfinity;
    return out;
  }
  auto bad = [](const char* what) {
    return fail(ErrorKind::kRuntime, std::string("is not an ISO-8601 date/time (") + what + ")");
  };
  std::size_t at = 0;
  int year = 0, month = 0, day = 0;
  if (!digits(text, at, 4, year) || at >= text.size() || text[at++] != '-' ||
      !digits(text, at, 2, month) || at >= text.size() || text[at++] != '-' ||
      !digits(text, at, 2, day)) {
    return bad("expected YYYY-MM-DD");
  }
  if (month < 1 || month > 12) return bad("month out of range");
  if (day < 1 || static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) {
    return bad("day out of range");
  }
  std::int64_t micros_of_day = 0;
  if (at < text.size() && (text[at] == ' ' || text[at] == 'T')) {
    std::size_t time_at = at + 1;
    int hour = 0, minute = 0, second = 0;
    if (digits(text, time_at, 2, hour) && time_at < text.size() && text[time_at] == ':') {
      at = time_at + 1;
      if (!digits(text, at, 2, minute)) return bad("expected HH:MM");
      if (at < text.size() && text[at] == ':') {
        ++at;
        if (!digits(text, at, 2, second)) return bad("expected HH:MM:SS");
        if (at < text.size() && text[at] == '.') {
          ++at;
          std::size_t first = at;
          std::int64_t fraction = 0;
          while (at < text.size() && is_digit(text[at])) {
            std::size_t place = at - first;
            if (place < 6) {
              fraction = fraction * 10 + (text[at] - '0');
            } else if (text[at] != '0') {
              return fail(ErrorKind::kRuntime,
                          "has digits below a microsecond, which PostgreSQL cannot hold");
            }
            ++at;
          }
          if (at == first) return bad("expected digits after the point");
          for (std::size_t place = at - first; place < 6; ++place) fraction *= 10;
          micros_of_day += fraction;
        }
      }
      if (hour > 23) return bad("hour out of range");
      if (minute > 59) return bad("minute out of range");
      if (second > 59) return bad("second out of range");
      micros_of_day += ((hour * 60LL + minute) * 60 + second) * kMicrosPerSecond;
      out.has_time = true;
    }
  }
  // Zone.
  std::size_t zone_at = at;
  while (zone_at < text.size() && text[zone_at] == ' ') ++zone_at;
  std::int64_t offset_seconds = 0;
  if (zone_at < text.size() && out.has_time) {
    char sign = text[zone_at];
    if (sign == 'Z' || sign == 'z') {
      at = zone_at + 1;
      out.has_zone = true;
    } else if (sign == '+' || sign == '-') {
      at = zone_at + 1;
      int hours = 0, minutes = 0;
      if (!digits(text, at, 2, hours)) return bad("bad zone");
      if (at < text.size() && text[at] == ':') ++at;
      if (at < text.size()) {
        if (!digits(text, at, 2, minutes)) return bad("bad zone");
      }
      if (hours > 15 || minutes > 59) return bad("zone out of range");
      offset_seconds = (hours * 60LL + minutes) * 60 * (sign == '-' ? -1 : 1);
      out.has_zone = true;
    }
  }
  if (at != text.size()) return bad("unexpected text after the value");
  out.micros = (days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) -
                kUnixToPgEpochDays) *
                   kMicrosPerDay +
               micros_of_day - offset_seconds * kMicrosPerSecond;
  return out;
}

Result<std::int64_t> julian_day_to_micros(double julian_day) {
  if (!(julian_day >= 0.0 && julian_day < 5373484.5)) {
    return fail(ErrorKind::kRuntime, "is not a Julian day number SQLite accepts (0 to 5373484.5)");
  }
  auto millis = static_cast<std::int64_t>(julian_day * 86400000.0 + 0.5);
  return (millis - kPgEpochJulianMillis) * 1000;
}

Result<std::int64_t> epoch_to_micros(std::int64_t value, EpochUnit unit) {
  if (unit == EpochUnit::kJulianDays) {
    if (value < 0 || value > kMaxJulianDay) {
      return fail(ErrorKind::kRuntime,
                  "is not a Julian day number SQLite accepts (0 to 5373484.5)");
    }
    return julian_day_to_micros(static_cast<double>(value));
  }
  std::int64_t per_unit = unit == EpochUnit::kSeconds ? kMicrosPerSecond : 1000;
  std::int64_t pg_epoch =
      unit == EpochUnit::kSeconds ? kUnixToPgEpochSeconds : kUnixToPgEpochSeconds * 1000;
  std::int64_t shifted = 0, micros = 0;
  if (__builtin_sub_overflow(value, pg_epoch, &shifted) ||
      __builtin_mul_overflow(shifted, per_unit, &micros) || !timestamp_in_range(micros)) {
    return fail(ErrorKind::kRuntime,
                std::string("is out of range as Unix epoch ") + std::string(epoch_unit_name(unit)));
  }
  return micros;
}

bool timestamp_in_range(std::int64_t micros) {
  return micros >= kMinTimestamp && micros < kEndTimestamp;
}

bool date_in_range(std::int64_t days) {
  return days >= kMinDate && days < kEndDate;
}

std::string format_timestamp(std::int64_t micros) {
  if (micros == kTimestampInfinity) return "infinity";
  if (micros == kTimestampMinusInfinity) return "-infinity";
  std::int64_t days = micros / kMicrosPerDay;
  std::int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days + kUnixToPgEpochDays, year, month, day);
  bool bc = false;
  std::string out = year_text(year, bc);
  std::int64_t seconds = rest / kMicrosPerSecond;
  std::int64_t fraction = rest % kMicrosPerSecond;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "-%02u-%02u %02lld:%02lld:%02lld", month, day,
                static_cast<long long>(seconds / 3600), static_cast<long long>(seconds / 60 % 60),
                static_cast<long long>(seconds % 60));
  out += buffer;
  if (fraction != 0) {
    std::snprintf(buffer, sizeof buffer, ".%06lld", static_cast<long long>(fraction));
    std::string digits = buffer;
    while (digits.back() == '0') digits.pop_back();
    out += digits;
  }
  if (bc) out += " BC";
  return out;
}

std::string format_date(std::int32_t days) {
  if (days == kDateInfinity) return "infinity";
  if (days == kDateMinusInfinity) return "-infinity";
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(static_cast<std::int64_t>(days) + kUnixToPgEpochDays, year, month, day);
  bool bc = false;
  std::string out = year_text(year, bc);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "-%02u-%02u", month, day);
  out += buffer;
  if (bc) out += " BC";
  return out;
}

}  // namespace pgshift::sqlite
