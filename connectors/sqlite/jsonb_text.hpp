// JSON text as PostgreSQL stores it. jsonb's binary send format is a version byte (1) followed by
// the text jsonb_out prints, and that text is canonical: object keys sorted by (byte length, bytes)
// with the last of duplicate keys kept, ", " between items, ": " after keys, strings re-escaped
// (only ", \, \b \f \n \r \t and other control characters as \u00xx), \u escapes decoded to UTF-8,
// numbers printed as numeric_out prints them (1e2 -> 100, 1.50 -> 1.50, -0 -> 0). To produce the
// bytes PostgreSQL itself would send back, the value is parsed with PostgreSQL's JSON grammar and
// printed the same way. Pure functions; the input must already be valid UTF-8.
#pragma once

#include <string>
#include <string_view>

#include "engine/core/result.hpp"

namespace pgshift::sqlite {

// The text jsonb_out would print for `json`. Errors (kRuntime) for what json/jsonb input rejects:
// bad syntax, control characters in strings, bad escapes, lone surrogates, \u0000 (jsonb cannot
// hold it), numbers out of numeric's range, and nesting deeper than 2000 levels.
// Common JSON takes a one-pass path (jsonb_fast_path.hpp); the rest is parsed into a tree.
Result<std::string> canonical_jsonb_text(std::string_view json);

// The same appended to `out`, which can keep its capacity across calls (no allocation per value
// on the one-pass path); `out` is unchanged on an error.
Status append_canonical_jsonb_text(std::string_view json, std::string& out);

// The same by the full parser alone: the reference the one-pass path is tested against.
Result<std::string> parsed_canonical_jsonb_text(std::string_view json);

// Checks `json` the way json_in does (the json type keeps the text as it is; \u0000 is allowed).
Status validate_json(std::string_view json);

}  // namespace pgshift::sqlite
