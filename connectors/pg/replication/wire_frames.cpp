#include "connectors/pg/replication/wire_frames.hpp"

#include <chrono>
#include <string>

#include "connectors/pg/replication/byte_reader.hpp"

namespace pgshift::pg::replication {
namespace {

void append_u64(std::vector<std::byte>& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::byte>((value >> shift) & 0xff));
  }
}

}  // namespace

Result<Frame> parse_frame(std::span<const std::byte> copy_data) {
  ByteReader in(copy_data);
  std::uint8_t type = 0;
  if (!in.read(type, "message type")) {
    return fail(ErrorKind::kRuntime, "replication stream: empty CopyData message");
  }
  if (type == 'w') {
    XLogData data;
    if (!in.read(data.wal_start, "WAL start") || !in.read(data.wal_end, "WAL end") ||
        !in.read(data.send_time_us, "send time")) {
      return fail(ErrorKind::kRuntime, "replication stream: XLogData header: " + in.error());
    }
    data.payload = in.rest();
    return Frame{data};
  }
  if (type == 'k') {
    Keepalive keepalive;
    std::uint8_t reply = 0;
    if (!in.read(keepalive.wal_end, "WAL end") || !in.read(keepalive.send_time_us, "send time") ||
        !in.read(reply, "reply requested")) {
      return fail(ErrorKind::kRuntime, "replication stream: keepalive: " + in.error());
    }
    keepalive.reply_requested = reply != 0;
    return Frame{keepalive};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  return fail(ErrorKind::kRuntime, std::string("replication stream: unknown message type 0x") +
                                       kHex[type >> 4] + kHex[type & 15]);
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
