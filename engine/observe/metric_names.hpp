// Names and help texts of the metrics pgshift serves on --metrics-listen, in one place so the
// page and the documentation agree. Constants only; the values come from whoever renders a page.
// Counters end in _total, as the Prometheus naming convention asks; pgshift_chunks_total is the
// exception (a gauge: the planned count), kept for its name.
#pragma once

#include <string_view>

namespace pgshift::metric {

struct Info {
  std::string_view name;
  std::string_view help;
};

// Change stream (sync).
inline constexpr Info kLagBytes{"pgshift_lag_bytes",
                                "Bytes of WAL between the source's current position and the "
                                "last change applied to the target."};
inline constexpr Info kLagSeconds{"pgshift_lag_seconds",
                                  "Seconds between the commit of the last applied transaction on "
                                  "the source and now."};
inline constexpr Info kChangesApplied{"pgshift_changes_applied_total",
                                      "Row changes applied to the target."};
inline constexpr Info kReceivedLsn{"pgshift_received_lsn",
                                   "Last WAL position received from the source, as a number."};
inline constexpr Info kAppliedLsn{"pgshift_applied_lsn",
                                  "Last WAL position applied to the target, as a number."};
inline constexpr Info kSpillBytes{"pgshift_spill_bytes",
                                  "Bytes of received changes spilled to disk and not yet applied."};

// Initial copy (migrate).
inline constexpr Info kChunksDone{"pgshift_chunks_done", "Chunks copied (and verified, if asked)."};
inline constexpr Info kChunksTotal{"pgshift_chunks_total", "Chunks planned for the copy."};
inline constexpr Info kRowsCopied{"pgshift_rows_copied_total", "Rows copied to the target."};
inline constexpr Info kBytesCopied{"pgshift_bytes_copied_total",
                                   "Bytes of row data copied to the target."};

}  // namespace pgshift::metric
