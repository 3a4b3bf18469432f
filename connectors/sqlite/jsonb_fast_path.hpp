// The canonical jsonb text (see jsonb_text.hpp) of the JSON most applications write, produced in
// one pass without building a tree: objects, arrays, strings (keys without escapes, values with
// any escape but \u), integers and decimal fractions, true, false and null. Anything else (a \u
// escape, an escaped key, an exponent, negative zero, a duplicate key, deep nesting, or any
// syntax error) returns nothing, and the caller takes the full parser, which decides and
// explains. Pure; the input must already be valid UTF-8.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgshift::sqlite {

std::optional<std::string> fast_canonical_jsonb_text(std::string_view json);

// The same appended to `out` (which keeps its capacity across calls); false, with `out` as it
// was, when the one-pass path does not apply.
bool append_fast_canonical_jsonb_text(std::string_view json, std::string& out);

}  // namespace pgshift::sqlite
