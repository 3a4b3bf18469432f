// Expected failures as values. An Error carries what went wrong (one line, never a password), the
// class that decides the exit status, and the context it happened in (table, chunk, SQLSTATE).
// Exceptions are reserved for broken invariants and caught at task roots.
#pragma once

#include <string>
#include <utility>
#include <version>

#if defined(__cpp_lib_expected)
#include <expected>
#else
#include "engine/core/expected_compat.hpp"
#endif

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

// std::expected where the standard library has it (g++ 12, -std=c++23); elsewhere (clang 14 with
// libstdc++ 12: the libFuzzer build) the stand-in of expected_compat.hpp. Code names only these.
#if defined(__cpp_lib_expected)
template <class T, class E>
using Expected = std::expected<T, E>;
template <class E>
using Unexpected = std::unexpected<E>;
#else
template <class T, class E>
using Expected = compat::Expected<T, E>;
template <class E>
using Unexpected = compat::Unexpected<E>;
#endif

template <class T>
using Result = Expected<T, Error>;
using Status = Expected<void, Error>;

inline Unexpected<Error> fail(ErrorKind kind, std::string message) {
  return Unexpected<Error>(Error{kind, std::move(message), {}, false});
}
inline Unexpected<Error> fail(Error error) {
  return Unexpected<Error>(std::move(error));
}

int exit_code_for(ErrorKind kind);

}  // namespace pgshift
