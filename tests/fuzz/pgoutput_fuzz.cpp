// Fuzz target: the replication stream's frames and the pgoutput messages they carry. Whatever the
// bytes, parse_frame and decode give a value or a one-line Error naming what failed, never a read
// past the input; an XLogData's payload is the rest of the frame; every view in a decoded message
// lies inside the input (each is read through, so a sanitizer sees a bad one), and a decoded
// message holds no more items than its bytes could carry. Seeds: the messages and frames captured
// from a real server for the unit tests (tests/unit/data), and each message inside an XLogData.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "connectors/pg/replication/pgoutput.hpp"
#include "connectors/pg/replication/wire_frames.hpp"
#include "tests/unit/data/pgoutput_captured.hpp"
#include "tests/unit/data/wire_frames_captured.hpp"
#include "tests/unit/wire_bytes.hpp"

namespace {

using namespace pgshift::pg;

struct Checker {
  std::span<const std::byte> input;
  unsigned sum = 0;

  void view(std::string_view text) {
    if (text.empty()) return;
    auto* begin = reinterpret_cast<const char*>(input.data());
    if (text.data() < begin || text.data() + text.size() > begin + input.size()) std::abort();
    for (char c : text) sum += static_cast<unsigned char>(c);
  }
  void tuple(const pgoutput::Tuple& values) {
    if (values.size() > input.size()) std::abort();
    for (const auto& value : values) {
      bool carries =
          value.kind == pgoutput::ValueKind::kText || value.kind == pgoutput::ValueKind::kBinary;
      if (!carries && (value.kind != pgoutput::ValueKind::kNull &&
                       value.kind != pgoutput::ValueKind::kUnchangedToast)) {
        std::abort();
      }
      if (!carries && !value.data.empty()) std::abort();
      view(value.data);
    }
  }

  void operator()(const pgoutput::Begin&) {}
  void operator()(const pgoutput::Commit&) {}
  void operator()(const pgoutput::Origin& origin) { view(origin.name); }
  void operator()(const pgoutput::Relation& relation) {
    view(relation.schema);
    view(relation.name);
    if (std::string_view("dnfi").find(relation.replica_identity) == std::string_view::npos) {
      std::abort();
    }
    if (relation.columns.size() * 10 > input.size()) std::abort();
    for (const auto& column : relation.columns) view(column.name);
  }
  void operator()(const pgoutput::Type& type) {
    view(type.schema);
    view(type.name);
  }
  void operator()(const pgoutput::Insert& insert) { tuple(insert.new_tuple); }
  void operator()(const pgoutput::Update& update) {
    if (update.old_kind != 0 && update.old_kind != 'K' && update.old_kind != 'O') std::abort();
    if (update.old_kind == 0 && !update.old_tuple.empty()) std::abort();
    tuple(update.old_tuple);
    tuple(update.new_tuple);
  }
  void operator()(const pgoutput::Delete& del) {
    if (del.old_kind != 'K' && del.old_kind != 'O') std::abort();
    tuple(del.old_tuple);
  }
  void operator()(const pgoutput::Truncate& truncate) {
    if (truncate.relations.size() * 4 > input.size()) std::abort();
  }
  void operator()(const pgoutput::LogicalMessage& message) {
    view(message.prefix);
    view(message.content);
  }
};

void check_error(const pgshift::Error& error, std::string_view start) {
  if (!error.message.starts_with(start)) std::abort();
  if (error.message.find('\n') != std::string::npos) std::abort();
}

void check_decode(std::span<const std::byte> bytes) {
  auto message = pgoutput::decode(bytes);
  if (!message) return check_error(message.error(), "pgoutput");
  Checker checker{bytes};
  std::visit(checker, *message);
  volatile unsigned sink = checker.sum;
  (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A heap block of exactly the input's size, so an address sanitizer reports any read past it
  // (the smoke driver's inputs are vectors that may have room beyond their size).
  auto copy = std::make_unique<std::byte[]>(size);
  if (size > 0) std::memcpy(copy.get(), data, size);
  auto bytes = std::span<const std::byte>(copy.get(), size);
  auto frame = replication::parse_frame(bytes);
  if (!frame) {
    check_error(frame.error(), "replication stream: ");
  } else if (auto* xlogdata = std::get_if<replication::XLogData>(&*frame)) {
    if (size < 25 || xlogdata->payload.data() != bytes.data() + 25 ||
        xlogdata->payload.size() != size - 25) {
      std::abort();
    }
    check_decode(xlogdata->payload);
  } else if (size < 18) {
    std::abort();  // a keepalive from fewer bytes than it has
  }
  check_decode(bytes);
  return 0;
}

std::vector<std::vector<std::uint8_t>> fuzz_seeds() {
  std::vector<std::vector<std::uint8_t>> seeds;
  auto header = pgshift::wire::from_hex(pgshift::testdata::kCapturedFrames[3]);
  header.resize(25);  // an XLogData header
  for (const auto& message : pgshift::testdata::kPgoutputCaptured) {
    auto bytes = pgshift::wire::from_hex(message.hex);
    seeds.push_back(pgshift::wire::to_u8(bytes));
    bytes.insert(bytes.begin(), header.begin(), header.end());
    seeds.push_back(pgshift::wire::to_u8(bytes));
  }
  for (const char* frame : pgshift::testdata::kCapturedFrames) {
    seeds.push_back(pgshift::wire::to_u8(pgshift::wire::from_hex(frame)));
  }
  seeds.push_back(
      pgshift::wire::to_u8(pgshift::wire::from_hex(pgshift::testdata::kCapturedStandbyStatus)));
  return seeds;
}
