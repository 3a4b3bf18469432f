#include "connectors/pg/stall_check.hpp"

#include <atomic>

namespace pgshift::pg {
namespace {

std::atomic<long long> timeout_seconds{kDefaultStallTimeout.count()};

}  // namespace

void set_stall_timeout(std::chrono::seconds timeout) {
  timeout_seconds = timeout.count() < 0 ? 0 : timeout.count();
}

std::chrono::seconds stall_timeout() {
  return std::chrono::seconds(timeout_seconds.load());
}

}  // namespace pgshift::pg
