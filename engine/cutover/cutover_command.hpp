// `pgshift cutover`: the switch from source to target with the shortest write freeze. Beside a
// running `pgshift sync` (or a sync process it starts itself), it waits until the stream is close,
// re-verifies the keys changed so far while writes still flow, then freezes the source's writes,
// drains the stream to a marker, sets the sequences, re-verifies what changed since, and runs the
// switch hook. Anything failing before the switch (or Ctrl-C) undoes the freeze exactly and leaves
// sync running; a cutover killed while frozen is undone by the next cutover or sync
// (engine/state/cutover_record.hpp). Owns its io_context; returns the process exit code.
#pragma once

#include "engine/cutover/cutover_options.hpp"

namespace pgshift::cutover {

int run_cutover_command(CutoverOptions options);

}  // namespace pgshift::cutover
