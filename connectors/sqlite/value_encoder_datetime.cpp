#include "connectors/sqlite/value_encoder_parts.hpp"

#include "connectors/sqlite/datetime_value.hpp"

namespace pgshift::sqlite::value_encoding {
namespace {

// Microseconds since 2000-01-01 (UTC for zoned/epoch/Julian sources) of a date-like value.
Result<std::int64_t> to_micros(const SqliteValue& value, const ColumnTarget& target,
                               bool& infinite) {
  infinite = false;
  switch (value.type) {
    case SqliteValue::Type::kText: {
      auto parsed = parse_iso_datetime(value.bytes);
      if (!parsed) return refuse(value, parsed.error().message);
      if (parsed->special != ParsedDateTime::Special::kFinite) {
        infinite = true;
        return parsed->special == ParsedDateTime::Special::kInfinity ? kTimestampInfinity
                                                                     : kTimestampMinusInfinity;
      }
      std::int64_t micros = parsed->micros;
      if (target.type.kind == TargetKind::kTimestamptz && !parsed->has_zone) {
        micros -= static_cast<std::int64_t>(target.naive_utc_offset_seconds) * kMicrosPerSecond;
      }
      return micros;
    }
    case SqliteValue::Type::kReal: {
      auto micros = julian_day_to_micros(value.real);
      if (!micros) return refuse(value, micros.error().message);
      return *micros;
    }
    case SqliteValue::Type::kInteger: {
      auto micros = epoch_to_micros(value.integer, target.epoch_unit);
      if (!micros) return refuse(value, micros.error().message);
      return *micros;
    }
    default:
      return refuse(value, "is a blob, not a date/time");
  }
}

}  // namespace

Status encode_date(const SqliteValue& value, const ColumnTarget& target,
                   std::vector<std::byte>& out) {
  bool infinite = false;
  auto micros = to_micros(value, target, infinite);
  if (!micros) return fail(micros.error());
  std::int32_t days = 0;
  if (infinite) {
    days = *micros == kTimestampInfinity ? kDateInfinity : kDateMinusInfinity;
  } else {
    if (*micros % kMicrosPerDay != 0) {
      return refuse(value, "has a time of day, which a date cannot hold (--cast to timestamp)");
    }
    std::int64_t whole = *micros / kMicrosPerDay;
    if (!date_in_range(whole)) return refuse(value, "is out of range for date");
    days = static_cast<std::int32_t>(whole);
  }
  put_u32(out, static_cast<std::uint32_t>(days));
  return {};
}

Status encode_timestamp(const SqliteValue& value, const ColumnTarget& target,
                        std::vector<std::byte>& out) {
  bool infinite = false;
  auto micros = to_micros(value, target, infinite);
  if (!micros) return fail(micros.error());
  if (!infinite && !timestamp_in_range(*micros)) {
    return refuse(value, "is out of range for " + target.type.sql);
  }
  put_u64(out, static_cast<std::uint64_t>(*micros));
  return {};
}

}  // namespace pgshift::sqlite::value_encoding
