// Everything `pgshift cutover` is told on the command line, with the documented defaults.
#pragma once

#include <chrono>
#include <string>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/endpoint.hpp"

namespace pgshift::cutover {

struct CutoverOptions {
  Endpoint source, target;
  pg::TableFilter filter;  // passed to the sync process cutover starts when none runs
  // The freeze begins once the stream is at most this far behind (commit to apply).
  std::chrono::milliseconds max_lag{1000};
  bool freeze_read_only = true;  // --freeze read-only (default) | none
  std::string freeze_hook;       // shell commands; PGSHIFT_TARGET in their environment
  std::string unfreeze_hook;
  std::string switch_hook;
  // Longest wait for each of: the lag, the drain, writers to finish, a sync process to start.
  std::chrono::milliseconds timeout{60'000};
  // How long a busy application session may finish its transaction before it is ended.
  std::chrono::milliseconds session_grace{1'000};
  // Before the switch, set up a stream from the target back to the source (a publication and a
  // slot on the target, the stream's state in the source), for `pgshift rollback`.
  bool reverse = false;
  // `pgshift rollback`: source and target are the forward cutover's target and source; the
  // switch also lifts the forward cutover's freeze from the old source (its record is in the
  // new primary, `source` here).
  bool rollback = false;
  std::string report_path;
  bool quiet = false;
};

}  // namespace pgshift::cutover
