// Every JSON document pgshift writes (run reports, `plan --report`, `status --json`, the state's
// JSON columns, JSON log lines) is built as a nlohmann::ordered_json value and laid out here, so no
// name or message can make it invalid: strings that are not UTF-8 have the bad bytes replaced by
// U+FFFD, and numbers that are not finite become null. Field order is insertion order. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pgshift::verify {

using Json = nlohmann::ordered_json;

// `value` rounded to `decimals` digits after the point (an integer when 0); null when not finite.
Json json_number(double value, int decimals = 3);
// A list of strings.
Json json_strings(const std::vector<std::string>& items);

// On one line: {"a": 1, "b": [1, 2]}. No trailing newline.
std::string json_line(const Json& value);
// The report layout, newline ended: one top-level member per line, and a top-level member that is
// a list of objects with one object per line; everything deeper on one line, as json_line.
std::string json_document(const Json& value);

// `text` as the inside of a JSON string literal (no quotes), invalid UTF-8 replaced.
std::string json_escape(std::string_view text);

}  // namespace pgshift::verify
