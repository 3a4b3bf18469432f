// fault-proxy: the fault proxy (tests/support/fault_proxy.hpp) as a command, for benchmarks over a
// far network (bench/e2e/run.sh --rtt). Prints its port on one line of stdout, then forwards until
// SIGINT/SIGTERM.
//
//   fault-proxy --upstream PORT [--latency-ms N] [--rate BYTES_PER_SECOND]
//
// --latency-ms is added each way (a round trip gains twice N); --rate caps each connection and
// direction (0: no cap).
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support/fault_proxy.hpp"

int main(int argc, char** argv) {
  int upstream = 0;
  long long latency_ms = 0;
  unsigned long long rate = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string option = argv[i];
    if (option == "--upstream") {
      upstream = std::atoi(argv[i + 1]);
    } else if (option == "--latency-ms") {
      latency_ms = std::atoll(argv[i + 1]);
    } else if (option == "--rate") {
      rate = std::strtoull(argv[i + 1], nullptr, 10);
    } else {
      std::fprintf(stderr, "fault-proxy: unknown option %s\n", option.c_str());
      return 2;
    }
  }
  if (upstream <= 0 || latency_ms < 0 || argc % 2 == 0) {
    std::fprintf(stderr,
                 "usage: fault-proxy --upstream PORT [--latency-ms N] [--rate BYTES_PER_SECOND]\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the proxy's thread starts
  pgshift::test::FaultProxy proxy(
      upstream, {.latency = std::chrono::milliseconds(latency_ms), .bytes_per_second = rate});
  std::printf("%d\n", proxy.port());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  return 0;
}
