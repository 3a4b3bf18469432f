// How long a connection may wait for its server with nothing received before pgshift checks that
// the server is still there. A long wait is normal (an index build, a lock), so silence alone
// never ends a connection: after `stall_timeout()` of it, Connection opens a second connection
// to the same server, and only if that gets no answer within the same time either (a frozen
// server, a black-holed route, a stalled proxy) is the first counted as lost, which the caller
// retries. A stall is thus noticed within twice the timeout. TCP keepalives cannot tell this:
// a proxy or load balancer in the path answers them for a server that has gone silent.
// Process-wide: set once at start-up (main), before any connection; read from any thread.
#pragma once

#include <chrono>

namespace pgshift::pg {

inline constexpr std::chrono::seconds kDefaultStallTimeout{30};

// 0 turns the check off (wait as long as the operating system keeps the connection).
void set_stall_timeout(std::chrono::seconds timeout);
std::chrono::seconds stall_timeout();

}  // namespace pgshift::pg
