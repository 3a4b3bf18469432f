#include "connectors/pg/replication/lsn.hpp"

#include <charconv>
#include <cstdio>

namespace pgshift::pg {

std::string Lsn::text() const {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%X/%X", static_cast<unsigned>(value >> 32),
                static_cast<unsigned>(value & 0xffffffffu));
  return buffer;
}

std::optional<Lsn> Lsn::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) {
    return std::nullopt;
  }
  auto half = [](std::string_view part) -> std::optional<std::uint32_t> {
    if (part.size() > 8) return std::nullopt;
    std::uint32_t out = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out, 16);
    if (ec != std::errc{} || end != part.data() + part.size()) return std::nullopt;
    return out;
  };
  auto high = half(text.substr(0, slash));
  auto low = half(text.substr(slash + 1));
  if (!high || !low) return std::nullopt;
  return Lsn{(static_cast<std::uint64_t>(*high) << 32) | *low};
}

}  // namespace pgshift::pg
