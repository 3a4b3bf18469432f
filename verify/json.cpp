#include "verify/json.hpp"

#include <cmath>
#include <cstdint>

namespace pgshift::verify {
namespace {

std::string scalar_text(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool all_objects(const Json& list) {
  for (const auto& item : list) {
    if (!item.is_object()) return false;
  }
  return true;
}

// depth < 0: everything on one line.
void lay_out(std::string& out, const Json& value, int depth) {
  if (value.is_object()) {
    if (value.empty()) {
      out += "{}";
      return;
    }
    bool expanded = depth == 0;
    out += expanded ? "{\n  " : "{";
    bool first = true;
    for (const auto& [key, member] : value.items()) {
      if (!first) out += expanded ? ",\n  " : ", ";
      first = false;
      out += scalar_text(Json(key));
      out += ": ";
      lay_out(out, member, depth < 0 ? depth : depth + 1);
    }
    out += expanded ? "\n}" : "}";
  } else if (value.is_array()) {
    if (value.empty()) {
      out += "[]";
      return;
    }
    bool expanded = depth == 1 && all_objects(value);
    out += expanded ? "[\n    " : "[";
    bool first = true;
    for (const auto& item : value) {
      if (!first) out += expanded ? ",\n    " : ", ";
      first = false;
      lay_out(out, item, depth < 0 ? depth : depth + 1);
    }
    out += expanded ? "\n  ]" : "]";
  } else {
    out += scalar_text(value);
  }
}

}  // namespace

Json json_number(double value, int decimals) {
  if (!std::isfinite(value)) return nullptr;
  double scale = std::pow(10.0, decimals);
  double rounded = std::round(value * scale) / scale;
  if (decimals <= 0 && std::fabs(rounded) < 9.2e18) return static_cast<std::int64_t>(rounded);
  if (!std::isfinite(rounded)) return value;  // too large to scale: already whole
  return rounded;
}

Json json_strings(const std::vector<std::string>& items) {
  Json out = Json::array();
  for (const auto& item : items) out.push_back(item);
  return out;
}

std::string json_line(const Json& value) {
  std::string out;
  lay_out(out, value, -1);
  return out;
}

std::string json_document(const Json& value) {
  std::string out;
  lay_out(out, value, 0);
  return out + "\n";
}

std::string json_escape(std::string_view text) {
  std::string quoted = scalar_text(Json(std::string(text)));
  return quoted.substr(1, quoted.size() - 2);
}

}  // namespace pgshift::verify
