// A WAL position (LSN) as PostgreSQL writes it ("16/B374D848"): parsing and formatting, no I/O.
// A plain value; any thread.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgshift::pg {

struct Lsn {
  std::uint64_t value = 0;

  auto operator<=>(const Lsn&) const = default;
  bool valid() const { return value != 0; }
  // "X/Y", upper-case hex as the server prints it; 0/0 for the invalid LSN.
  std::string text() const;
  // Accepts what the server prints (hex, either case); nullopt for anything else.
  static std::optional<Lsn> parse(std::string_view text);
};

}  // namespace pgshift::pg
