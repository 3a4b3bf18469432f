#include "engine/core/fault.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace pgshift {

void fault_point(std::string_view point) {
  static const std::string armed = [] {
    const char* value = std::getenv("PGSHIFT_FAULT");
    return value ? "," + std::string(value) + "," : std::string();
  }();
  if (armed.empty()) return;
  if (armed.find("," + std::string(point) + ",") == std::string::npos) return;
  throw std::runtime_error("injected fault: " + std::string(point));
}

}  // namespace pgshift
