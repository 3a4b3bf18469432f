#include "connectors/sqlite/cluster_memory.hpp"

#include <algorithm>

namespace pgshift::sqlite {

std::size_t ClusterMemory::taken() const {
  std::lock_guard lock(mutex_);
  return taken_;
}

std::size_t ClusterMemory::take(std::size_t want, std::size_t floor) {
  std::lock_guard lock(mutex_);
  std::size_t left = taken_ < total_ ? total_ - taken_ : 0;
  std::size_t granted = std::min(want, std::max(left, floor));
  taken_ += granted;
  return granted;
}

void ClusterMemory::give_back(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  taken_ -= std::min(bytes, taken_);
}

}  // namespace pgshift::sqlite
