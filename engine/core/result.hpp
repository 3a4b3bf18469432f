// Expected failures as values. An Error carries what went wrong (one line, never a password), the
// class that decides the exit status, and the context it happened in (table, chunk, SQLSTATE).
// Exceptions are reserved for broken invariants and caught at task roots.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace pgshift {

enum class ErrorKind {
  kUsage,        // bad command line or endpoint: exit 2
  kRefused,      // a blocker found before any write: exit 2
  kRuntime,      // failed while running (server error, connection lost): exit 3
  kMismatch,     // finished, verification found differences: exit 1
  kInterrupted,  // SIGINT/SIGTERM: exit 130
};

struct Error {
  ErrorKind kind = ErrorKind::kRuntime;
  std::string message;
  std::string sqlstate;  // empty unless the server said
  bool connection_lost = false;

  // Prefixes context ("table public.orders chunk 3: ") so the one-line message says where.
  Error&& within(std::string_view where) && {
    message = std::string(where) + ": " + message;
    return std::move(*this);
  }
  // Transient: worth a retry after reconnecting (connection loss, restart, serialization,
  // deadlock).
  bool retryable() const;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorKind kind, std::string message) {
  return std::unexpected(Error{kind, std::move(message), {}, false});
}
inline std::unexpected<Error> fail(Error error) {
  return std::unexpected(std::move(error));
}

int exit_code_for(ErrorKind kind);

}  // namespace pgshift
