// What a sync shows of its stream: the lag (bytes behind the server's end of WAL, seconds since
// the oldest unapplied commit), the phase (catching-up until the spill first runs dry, then
// streaming) recorded in the target for `status`, a progress line, and the figures for the report
// and /metrics. Runs on the run's io_context.
#pragma once

#include <string>

#include "engine/migrate/run_context.hpp"
#include "engine/sync/stream_run.hpp"
#include "verify/json.hpp"

namespace pgshift::sync {

struct Lag {
  long long bytes = 0;
  double seconds = 0;
};
Lag current_lag(const StreamRun& run);

// Every second: phase and positions into pgshift.sync, a line every few seconds unless --quiet.
void start_stream_monitor(RunContext& context, StreamRun& run);

verify::Json stream_report(const StreamRun& run);

// The Prometheus page of --metrics-listen (engine/observe/metric_names.hpp): the copy's chunks,
// rows and bytes, and the stream's positions, lag, changes and spill.
std::string stream_metrics(const RunContext& context, const StreamRun& run);

}  // namespace pgshift::sync
