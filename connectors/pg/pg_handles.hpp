// Move-only owners for libpq's C handles. A PgResult may outlive the connection that produced it;
// nothing else in libpq may.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>

namespace pgshift::pg {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
struct PgFreeDeleter {
  void operator()(void* memory) const { PQfreemem(memory); }
};

using PgConnHandle = std::unique_ptr<PGconn, PgConnDeleter>;
using PgCopyBuffer = std::unique_ptr<char, PgFreeDeleter>;

// A query result. Cell accessors use (row, column) like libpq.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* result) : result_(result) {}

  PGresult* get() const { return result_.get(); }
  explicit operator bool() const { return result_ != nullptr; }
  int rows() const { return PQntuples(result_.get()); }
  int columns() const { return PQnfields(result_.get()); }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column); }
  std::string text(int row, int column) const {
    return std::string(PQgetvalue(result_.get(), row, column),
                       PQgetlength(result_.get(), row, column));
  }
  long long integer(int row, int column) const { return std::stoll(text(row, column)); }
  bool boolean(int row, int column) const { return text(row, column) == "t"; }
  // Rows affected by the command (COPY, UPDATE, INSERT).
  long long affected() const {
    const char* tuples = PQcmdTuples(result_.get());
    return tuples && *tuples ? std::stoll(tuples) : 0;
  }

 private:
  std::unique_ptr<PGresult, PgResultDeleter> result_;
};

}  // namespace pgshift::pg
