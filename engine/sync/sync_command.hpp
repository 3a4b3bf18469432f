// `pgshift sync`: the zero-downtime path, part 1. Creates (or follows again) a publication and a
// logical slot on the source, copies the selected tables at the slot's snapshot through migrate's
// pipeline (chunks, per-chunk verification, resume) while the change receiver spills the stream
// into the target, then applies the spill and keeps applying the live stream. Runs until
// interrupted (exit 130, state kept), or with --endpos until every change up to it is applied and
// durable (exit 0). Owns the io_context and signal handling for the run.
#pragma once

#include "engine/sync/sync_options.hpp"

namespace pgshift::sync {

int run_sync_command(SyncOptions options);

}  // namespace pgshift::sync
