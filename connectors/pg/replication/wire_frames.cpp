#include "connectors/pg/replication/wire_frames.hpp"

#include <chrono>

namespace pgshift::pg::replication {
namespace {

std::uint64_t read_u64(std::span<const std::byte> bytes, std::size_t at) {
  std::uint64_t out = 0;
  for (std::size_t i = 0; i < 8; ++i) out = (out << 8) | static_cast<std::uint8_t>(bytes[at + i]);
  return out;
}

void append_u64(std::vector<std::byte>& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::byte>((value >> shift) & 0xff));
  }
}

}  // namespace

Result<Frame> parse_frame(std::span<const std::byte> copy_data) {
  if (copy_data.empty()) {
    return fail(ErrorKind::kRuntime, "replication stream: empty CopyData message");
  }
  auto type = static_cast<char>(copy_data[0]);
  if (type == 'w') {
    constexpr std::size_t kHeader = 1 + 8 + 8 + 8;
    if (copy_data.size() < kHeader) {
      return fail(ErrorKind::kRuntime, "replication stream: truncated XLogData header (" +
                                           std::to_string(copy_data.size()) + " bytes)");
    }
    XLogData data;
    data.wal_start = Lsn{read_u64(copy_data, 1)};
    data.wal_end = Lsn{read_u64(copy_data, 9)};
    data.send_time_us = static_cast<std::int64_t>(read_u64(copy_data, 17));
    data.payload = copy_data.subspan(kHeader);
    return Frame{data};
  }
  if (type == 'k') {
    constexpr std::size_t kSize = 1 + 8 + 8 + 1;
    if (copy_data.size() < kSize) {
      return fail(ErrorKind::kRuntime, "replication stream: truncated keepalive (" +
                                           std::to_string(copy_data.size()) + " bytes)");
    }
    Keepalive keepalive;
    keepalive.wal_end = Lsn{read_u64(copy_data, 1)};
    keepalive.send_time_us = static_cast<std::int64_t>(read_u64(copy_data, 9));
    keepalive.reply_requested = copy_data[17] != std::byte{0};
    return Frame{keepalive};
  }
  return fail(ErrorKind::kRuntime, std::string("replication stream: unknown message type 0x") +
                                       "0123456789abcdef"[(static_cast<unsigned>(type) >> 4) & 15] +
                                       "0123456789abcdef"[static_cast<unsigned>(type) & 15]);
}

std::vector<std::byte> standby_status(Lsn written, Lsn flushed, Lsn applied, std::int64_t now_us,
                                      bool reply_requested) {
  std::vector<std::byte> out;
  out.reserve(34);
  out.push_back(static_cast<std::byte>('r'));
  append_u64(out, written.value);
  append_u64(out, flushed.value);
  append_u64(out, applied.value);
  append_u64(out, static_cast<std::uint64_t>(now_us));
  out.push_back(static_cast<std::byte>(reply_requested ? 1 : 0));
  return out;
}

std::int64_t postgres_now_us() {
  auto unix_us = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  return unix_us - kPostgresEpochOffsetMicros;
}

}  // namespace pgshift::pg::replication
