// A worker's reading side: whatever it needs to stream chunks from the source (a PostgreSQL
// connection inside the run's snapshot, or a read-only SQLite handle), owned for the worker's
// life and replaced after a failure. The RowSource it hands out lives as long as the session.
#pragma once

#include <functional>
#include <memory>

#include "engine/core/row_source.hpp"

namespace pgshift {

class SourceSession {
 public:
  virtual ~SourceSession() = default;
  virtual RowSource& rows() = 0;
};

using SourceSessionFactory = std::function<Task<Result<std::unique_ptr<SourceSession>>>()>;

}  // namespace pgshift
