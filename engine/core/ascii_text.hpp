// ASCII case folding and trimming for identifiers, host names and SQL keywords: byte-wise and
// locale-free on purpose (std::tolower depends on the C locale; these never do). Header-only.
#pragma once

#include <string>
#include <string_view>

namespace pgshift {

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

inline std::string ascii_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Without leading and trailing spaces, tabs, carriage returns and newlines.
inline std::string_view ascii_trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

}  // namespace pgshift
