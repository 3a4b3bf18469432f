// The byte budget that all readers of one run share for their clustered batches
// (clustered_batch.hpp), so that memory stays bounded whatever --jobs is and however many keyless
// tables are read at once. A reader takes a grant before a clustered chunk and gives it back when
// it frees the batch; a reader that finds the budget spent still gets `floor` bytes, so it always
// makes progress (the overdraft is at most `floor` per reader). Thread-safe: readers run on
// threads of their own. The budget must outlive every grant taken from it.
#pragma once

#include <cstddef>
#include <mutex>

namespace pgshift::sqlite {

class ClusterMemory {
 public:
  explicit ClusterMemory(std::size_t total) : total_(total) {}
  ClusterMemory(const ClusterMemory&) = delete;
  ClusterMemory& operator=(const ClusterMemory&) = delete;

  std::size_t total() const { return total_; }
  // Bytes granted and not given back.
  std::size_t taken() const;

  // Grants `want` bytes, or what is left of the budget if that is less, but never less than
  // min(want, floor).
  std::size_t take(std::size_t want, std::size_t floor);
  void give_back(std::size_t bytes);

 private:
  const std::size_t total_;
  mutable std::mutex mutex_;
  std::size_t taken_ = 0;
};

}  // namespace pgshift::sqlite
