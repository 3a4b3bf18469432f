#include "engine/core/result.hpp"

namespace pgshift {

bool Error::retryable() const {
  if (connection_lost) return true;
  if (sqlstate.starts_with("08")) return true;  // connection exception class
  return sqlstate == "40001"                    // serialization_failure
         || sqlstate == "40P01"                 // deadlock_detected
         || sqlstate == "57P01"                 // admin_shutdown
         || sqlstate == "57P02"                 // crash_shutdown
         || sqlstate == "57P03"                 // cannot_connect_now
         || sqlstate == "53300";                // too_many_connections
}

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
    case ErrorKind::kRefused:
      return 2;
    case ErrorKind::kRuntime:
      return 3;
    case ErrorKind::kMismatch:
      return 1;
    case ErrorKind::kInterrupted:
      return 130;
  }
  return 3;
}

}  // namespace pgshift
