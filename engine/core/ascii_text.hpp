// ASCII-only text helpers for SQL keywords, identifiers, host names and value spellings, which
// SQLite and PostgreSQL compare without regard to locale (std::tolower/std::isspace in the "C"
// locale: a byte of a multibyte UTF-8 character is never folded or trimmed). Pure functions,
// callable from any thread; trim returns a view into its argument, which must outlive it. trim and
// iequals are inline because the value encoder calls them once per value.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace pgshift {

// `text` without the blanks (space, \t, \n, \v, \f, \r) around it.
inline std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// ASCII case-insensitive equality (SQLite identifiers and type names).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

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

}  // namespace pgshift
