#include "engine/pipeline/chunk_copy.hpp"

#include <utility>

#include "engine/core/fault.hpp"
#include "engine/core/task_guard.hpp"
#include "engine/model/copy_binary.hpp"
#include "engine/pipeline/byte_queue.hpp"
#include "verify/streaming_row_hash.hpp"

namespace pgshift {
namespace {

// Rewrites every embedded type OID of one tuple from the source's to the target's numbering.
Status remap_tuple(std::span<std::byte> tuple, const TableStreamSpec& spec) {
  Status walked;
  auto status = pg::for_each_field(tuple, [&](int index, std::span<std::byte> value, bool is_null) {
    if (is_null || !walked) return;
    auto kind = spec.copied_kinds[static_cast<std::size_t>(index)];
    if (kind != pg::ValueKind::kArray && kind != pg::ValueKind::kRecord) return;
    walked = pg::walk_value(
        value, kind, *spec.source_shapes,
        [&](std::byte* slot) { pg::write_u32(slot, spec.remap->map(pg::read_u32(slot))); },
        [](std::span<std::byte>) {});
  });
  if (!status) return status;
  return walked;
}

// Forwards a row the source left out of its stream (RowSource::next_large_row) into the queue in
// binary COPY form, as its pieces come, hashing it on the way (the source's canonical form) and
// remapping embedded OIDs of its whole fields. Holds at most one piece plus the small fields.
class LargeRowForwarder final : public LargeRowSink {
 public:
  LargeRowForwarder(ByteQueue& queue, const TableStreamSpec& spec, verify::StreamingRowHash& hash)
      : queue_(queue), spec_(spec), hash_(hash) {}

  Task<Status> begin_row(int fields) override {
    hash_.begin_row(fields);
    index_ = 0;
    pending_.push_back(std::byte(static_cast<unsigned>(fields) >> 8));
    pending_.push_back(std::byte(static_cast<unsigned>(fields) & 0xff));
    co_return Status{};
  }
  Task<Status> field(std::optional<std::span<const std::byte>> value) override {
    if (auto hashed = hash_.field(value); !hashed) co_return hashed;
    std::size_t index = index_++;
    if (!value) {
      append_length(0xffffffffu);
      co_return Status{};
    }
    append_length(static_cast<std::uint32_t>(value->size()));
    std::size_t at = pending_.size();
    pending_.insert(pending_.end(), value->begin(), value->end());
    auto kind =
        index < spec_.copied_kinds.size() ? spec_.copied_kinds[index] : pg::ValueKind::kScalar;
    if (spec_.needs_remap && (kind == pg::ValueKind::kArray || kind == pg::ValueKind::kRecord)) {
      co_return pg::walk_value(
          std::span<std::byte>(pending_).subspan(at), kind, *spec_.source_shapes,
          [&](std::byte* slot) { pg::write_u32(slot, spec_.remap->map(pg::read_u32(slot))); },
          [](std::span<std::byte>) {});
    }
    co_return Status{};
  }
  Task<Status> begin_field(std::uint32_t length) override {
    if (auto hashed = hash_.begin_field(length); !hashed) co_return hashed;
    ++index_;
    append_length(length);
    co_return Status{};
  }
  Task<Status> piece(std::span<const std::byte> bytes) override {
    hash_.piece(bytes);
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    co_return co_await flush();
  }
  // Pushes what is pending; fails when the writer gave up (its own error is the one reported).
  Task<Status> flush() {
    if (pending_.empty()) co_return Status{};
    bytes_ += static_cast<std::int64_t>(pending_.size());
    bool pushed = co_await queue_.push(std::move(pending_));
    pending_ = {};
    if (!pushed) co_return fail(ErrorKind::kRuntime, "target writer stopped");
    co_return Status{};
  }
  std::int64_t take_bytes() { return std::exchange(bytes_, 0); }

 private:
  void append_length(std::uint32_t length) {
    std::size_t at = pending_.size();
    pending_.resize(at + 4);
    pg::write_u32(pending_.data() + at, length);
  }

  ByteQueue& queue_;
  const TableStreamSpec& spec_;
  verify::StreamingRowHash& hash_;
  std::vector<std::byte> pending_;
  std::size_t index_ = 0;
  std::int64_t bytes_ = 0;
};

Task<Status> drain_to_target(ByteQueue& queue, CopySink& target) {
  while (auto buffer = co_await queue.pop()) {
    if (auto written = co_await target.write(*buffer); !written) {
      queue.close();
      co_return written;
    }
  }
  co_return Status{};
}

}  // namespace

Task<Result<ChunkCopyOutcome>> copy_chunk(
    RowSource& source, CopySink& target, const TableStreamSpec& spec, const Chunk& chunk,
    const ChunkCopyOptions& options,
    const std::function<void(long long, std::int64_t)>& on_progress) {
  auto executor = co_await asio::this_coro::executor;
  if (auto begun = co_await source.begin(*spec.table, chunk); !begun) co_return fail(begun.error());
  // All of a keyless table in one chunk replaces the table's contents: no key tells which rows an
  // earlier attempt wrote, and a retried chunk must not double them. A keyed table in one chunk
  // holds no other rows either, and emptied in the chunk's transaction it can be loaded frozen.
  bool replace_contents =
      chunk.whole_table() && (spec.table->keyless() || spec.whole_table_replaceable);
  if (auto begun = co_await target.begin(*spec.table, replace_contents); !begun) {
    co_return fail(begun.error());
  }

  ByteQueue queue(executor, options.queue_bytes);
  std::optional<Status> writer_status;
  Notifier writer_done(executor);
  spawn_task(executor, "target writer", drain_to_target(queue, target), [&](Status status) {
    if (!status) queue.close();  // a reader blocked on a full queue must not wait for it
    writer_status = std::move(status);
    writer_done.notify();
  });

  ChunkCopyOutcome outcome;
  verify::RowHasher hasher(spec.copied_kinds, spec.source_shapes);
  pg::CopyBinaryParser parser;
  parser.expect_fields(static_cast<int>(spec.copied_kinds.size()));
  std::vector<std::byte> buffer;
  std::vector<std::byte> trailer;
  Status reader_status;
  // The writer holds this frame's queue: whatever the reading side does, even throw, this
  // frame must wait for the writer before it ends.
  auto read_all = [&]() -> Task<void> {
    for (bool more = true; more && reader_status;) {
      fault_point("throw-in-copy-read");
      buffer.reserve(options.read_bytes + (64 << 10));
      auto read = co_await source.read(buffer, options.read_bytes);
      if (!read) {
        reader_status = fail(read.error());
        break;
      }
      more = *read;
      long long rows_before = static_cast<long long>(outcome.source_digest.rows);
      auto consumed = parser.parse(buffer, [&](std::span<std::byte> tuple) {
        if (!reader_status) return;
        // Hash first: the walk follows embedded OIDs through the source's type shapes.
        auto row_hash = hasher.hash(tuple);
        if (!row_hash) {
          reader_status = fail(row_hash.error());
          return;
        }
        outcome.source_digest.add_row(*row_hash);
        if (spec.needs_remap) {
          if (auto remapped = remap_tuple(tuple, spec); !remapped) reader_status = remapped;
        }
      });
      if (!consumed) reader_status = fail(consumed.error());
      if (!reader_status) break;
      // Forward whole tuples; an incomplete tail stays for the next read. The trailer waits
      // until the rows the source left out of the stream (if any) have gone before it.
      std::vector<std::byte> tail(buffer.begin() + static_cast<std::ptrdiff_t>(*consumed),
                                  buffer.end());
      buffer.resize(*consumed);
      if (parser.phase() == pg::CopyBinaryParser::Phase::kDone && buffer.size() >= 2) {
        trailer.assign(buffer.end() - 2, buffer.end());
        buffer.resize(buffer.size() - 2);
      }
      outcome.bytes += static_cast<std::int64_t>(buffer.size());
      on_progress(static_cast<long long>(outcome.source_digest.rows) - rows_before,
                  static_cast<std::int64_t>(buffer.size()));
      if (!buffer.empty() && !co_await queue.push(std::move(buffer))) break;  // writer failed
      buffer = std::move(tail);
    }
    if (!reader_status || trailer.empty()) co_return;
    verify::StreamingRowHash hash(spec.copied_kinds, spec.source_shapes);
    LargeRowForwarder forwarder(queue, spec, hash);
    for (;;) {
      auto more = co_await source.next_large_row(forwarder);
      if (!more) {
        reader_status = fail(more.error());
        co_return;
      }
      if (!*more) break;
      auto row_hash = hash.finish();
      if (!row_hash) {
        reader_status = fail(row_hash.error());
        co_return;
      }
      if (auto flushed = co_await forwarder.flush(); !flushed) {
        reader_status = flushed;
        co_return;
      }
      outcome.source_digest.add_row(*row_hash);
      std::int64_t row_bytes = forwarder.take_bytes();
      outcome.bytes += row_bytes;
      on_progress(1, row_bytes);
    }
    outcome.bytes += static_cast<std::int64_t>(trailer.size());
    on_progress(0, static_cast<std::int64_t>(trailer.size()));
    if (!co_await queue.push(std::move(trailer))) co_return;  // writer failed
  };
  if (auto read = co_await guarded("source reader", read_all()); !read) {
    reader_status = std::move(read);
  }
  queue.close();
  while (!writer_status) co_await writer_done.wait();
  if (!*writer_status) co_return fail(writer_status->error());
  if (reader_status && (parser.phase() != pg::CopyBinaryParser::Phase::kDone || !buffer.empty())) {
    reader_status = fail(ErrorKind::kRuntime, "source COPY stream ended early");
  }
  if (!reader_status) {
    co_await target.abort("pgshift: source failed");
    co_return fail(reader_status.error());
  }
  auto stored = co_await target.finish();
  if (!stored) co_return fail(stored.error());
  outcome.rows_stored = *stored;
  if (static_cast<std::uint64_t>(outcome.rows_stored) != outcome.source_digest.rows) {
    co_return fail(ErrorKind::kRuntime, "target stored " + std::to_string(outcome.rows_stored) +
                                            " rows, source sent " +
                                            std::to_string(outcome.source_digest.rows));
  }
  co_return outcome;
}

}  // namespace pgshift
