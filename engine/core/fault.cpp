#include "engine/core/fault.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace pgshift {

void fault_point(std::string_view point) {
  // ",a,b," so that a point matches only a whole name.
  static const std::string armed = [] {
    const char* value = std::getenv("PGSHIFT_FAULT");
    std::string list;
    if (value && *value) {
      list = ",";
      list += value;
      list += ',';
    }
    return list;
  }();
  if (armed.empty()) return;
  std::string name = ",";
  name += point;
  name += ',';
  if (armed.find(name) == std::string::npos) return;
  throw std::runtime_error("injected fault: " + std::string(point));
}

}  // namespace pgshift
