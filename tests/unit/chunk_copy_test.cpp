// copy_chunk's copy loop without servers: a fake RowSource serving a hand-built binary COPY stream
// and a fake CopySink, driven by asio::io_context. What reaches the sink is the source's stream,
// byte for byte; the digest is the one RowHasher gives the same rows; a failure on either side
// comes back as that side's error, with the reading side stopped and the sink aborted when the
// source failed; the bytes held between reader and writer stay within queue_bytes + one read
// buffer while a slow sink holds the reader back; progress only grows.
#include "engine/pipeline/chunk_copy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "engine/model/copy_binary.hpp"
#include "tests/unit/run_task.hpp"
#include "tests/unit/wire_bytes.hpp"

namespace pgshift {
namespace {

using wire::Bytes;
using wire::copy_stream;
using wire::copy_tuple;
using wire::int4;
using wire::text;

template <class T>
std::optional<T> run_task(Task<T> task) {
  return test::run_task_within(std::move(task), std::chrono::seconds(30));
}

Task<void> yield_once() {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

Error server_error(std::string message) {
  return Error{ErrorKind::kRuntime, std::move(message), "08006", true};
}

// Bytes the source handed out and the sink took in; their difference is what the copy loop holds.
struct Meter {
  std::int64_t produced = 0;
  std::int64_t consumed = 0;
  std::int64_t most_held = 0;
  bool sink_failed = false;
};

class FakeSource final : public RowSource {
 public:
  FakeSource(Bytes stream, Meter& meter) : stream_(std::move(stream)), meter_(meter) {}

  std::optional<Error> fail_begin;
  // The first read that starts at or past this many bytes fails; at stream.size() the source
  // first hands out every byte, trailer included, as if more were to come.
  std::optional<std::size_t> fail_read_from;
  std::size_t end_at = std::string::npos;  // the stream ends here (early) when set

  bool begun = false;
  int reads = 0;
  int reads_after_sink_failed = 0;
  std::size_t served() const { return at_; }

  Task<Status> begin(const Table&, const Chunk&) override {
    begun = true;
    if (fail_begin) co_return fail(*fail_begin);
    co_return Status{};
  }

  // Rows left out of the stream: handed over after it, field by field, values over 10 bytes in
  // pieces of 7.
  std::vector<std::vector<wire::Field>> large_rows;

  Task<Result<bool>> next_large_row(LargeRowSink& sink) override {
    if (next_large_ >= large_rows.size()) co_return false;
    const auto& row = large_rows[next_large_++];
    if (auto begun = co_await sink.begin_row(static_cast<int>(row.size())); !begun) {
      co_return fail(begun.error());
    }
    for (const auto& value : row) {
      Status sent;
      if (!value) {
        sent = co_await sink.field(std::nullopt);
      } else if (value->size() <= 10) {
        sent = co_await sink.field(std::span<const std::byte>(*value));
      } else {
        sent = co_await sink.begin_field(static_cast<std::uint32_t>(value->size()));
        for (std::size_t at = 0; sent && at < value->size(); at += 7) {
          co_await yield_once();
          sent = co_await sink.piece(std::span<const std::byte>(*value).subspan(
              at, std::min<std::size_t>(7, value->size() - at)));
        }
      }
      if (!sent) co_return fail(sent.error());
    }
    co_return true;
  }

  Task<Result<bool>> read(std::vector<std::byte>& out, std::size_t want) override {
    ++reads;
    if (meter_.sink_failed) ++reads_after_sink_failed;
    co_await yield_once();
    if (fail_read_from && at_ >= *fail_read_from) co_return fail(server_error("source: read lost"));
    std::size_t end = std::min(stream_.size(), end_at);
    std::size_t count = std::min(want, end - at_);
    out.insert(out.end(), stream_.begin() + static_cast<std::ptrdiff_t>(at_),
               stream_.begin() + static_cast<std::ptrdiff_t>(at_ + count));
    at_ += count;
    meter_.produced += static_cast<std::int64_t>(count);
    meter_.most_held = std::max(meter_.most_held, meter_.produced - meter_.consumed);
    co_return at_ < end || fail_read_from == stream_.size();
  }

 private:
  Bytes stream_;
  Meter& meter_;
  std::size_t at_ = 0;
  std::size_t next_large_ = 0;
};

class FakeSink final : public CopySink {
 public:
  enum class FailAt { kNothing, kBegin, kFirstWrite, kThirdWrite, kFinish };

  explicit FakeSink(Meter& meter, FailAt fail_at = FailAt::kNothing)
      : meter_(meter), fail_at_(fail_at) {}

  int slow_yields = 0;        // a slow target: each write lets the reader run this many turns
  long long stored_skew = 0;  // rows the target reports beyond what it received

  bool begun = false;
  bool replace_contents = false;
  int writes = 0;
  bool finished = false;
  std::optional<std::string> abort_reason;
  Bytes received;

  Task<Status> begin(const Table&, bool replace) override {
    begun = true;
    replace_contents = replace;
    if (fail_at_ == FailAt::kBegin) co_return refuse("sink: begin refused");
    co_return Status{};
  }

  Task<Status> write(std::span<const std::byte> bytes) override {
    EXPECT_TRUE(begun);
    EXPECT_FALSE(finished || abort_reason);
    ++writes;
    for (int turn = 0; turn < slow_yields; ++turn) co_await yield_once();
    if ((fail_at_ == FailAt::kFirstWrite && writes == 1) ||
        (fail_at_ == FailAt::kThirdWrite && writes == 3)) {
      co_return refuse("sink: write lost");
    }
    received.insert(received.end(), bytes.begin(), bytes.end());
    meter_.consumed += static_cast<std::int64_t>(bytes.size());
    co_return Status{};
  }

  Task<Result<long long>> finish() override {
    EXPECT_FALSE(finished || abort_reason);
    finished = true;
    if (fail_at_ == FailAt::kFinish) co_return fail(refuse("sink: commit of COPY lost").error());
    // Count what arrived, as a target would: the stream must have come through whole.
    long long rows = 0;
    pg::CopyBinaryParser parser;
    auto consumed = parser.parse(received, [&](std::span<std::byte>) { ++rows; });
    EXPECT_TRUE(consumed && *consumed == received.size());
    EXPECT_EQ(parser.phase(), pg::CopyBinaryParser::Phase::kDone);
    co_return rows + stored_skew;
  }

  Task<Status> abort(std::string_view reason) override {
    EXPECT_FALSE(finished || abort_reason);
    abort_reason = std::string(reason);
    co_return Status{};
  }

 private:
  Status refuse(std::string message) {
    meter_.sink_failed = true;
    return fail(server_error(std::move(message)));
  }

  Meter& meter_;
  FailAt fail_at_;
};

Table make_table(bool keyed) {
  Table table;
  table.schema = "public";
  table.name = "items";
  table.columns = {Column{.name = "id", .type_oid = 23, .type_sql = "integer"},
                   Column{.name = "note", .type_oid = 25, .type_sql = "text"}};
  if (keyed) table.key = {0};
  return table;
}

// Rows of varying width (some NULL), so tuples straddle read boundaries at every offset.
std::vector<Bytes> make_tuples(int count) {
  std::vector<Bytes> tuples;
  for (int row = 0; row < count; ++row) {
    wire::Field note;
    if (row % 7 != 3) note = text(std::string(static_cast<std::size_t>(row % 97), 'x'));
    tuples.push_back(copy_tuple({int4(row), note}));
  }
  return tuples;
}

struct Copy {
  Table table = make_table(true);
  Chunk chunk;
  pg::TypeShapes shapes;
  TableStreamSpec spec;
  std::vector<Bytes> tuples;
  Bytes stream;
  Meter meter;
  FakeSource source;
  ChunkCopyOptions options;
  std::vector<std::pair<long long, std::int64_t>> progress;

  explicit Copy(int rows = 500)
      : tuples(make_tuples(rows)), stream(copy_stream(tuples)), source(stream, meter) {
    spec.table = &table;
    spec.copied_kinds = {pg::ValueKind::kScalar, pg::ValueKind::kScalar};
    spec.source_shapes = &shapes;
    options.read_bytes = 1000;
    options.queue_bytes = 8000;
  }

  std::optional<Result<ChunkCopyOutcome>> run(FakeSink& sink) {
    return run_task(copy_chunk(
        source, sink, spec, chunk, options,
        [this](long long rows, std::int64_t bytes) { progress.emplace_back(rows, bytes); }));
  }

  verify::ChunkDigest expected_digest() const {
    verify::RowHasher hasher(spec.copied_kinds, &shapes);
    verify::ChunkDigest digest;
    for (const auto& tuple : tuples) digest.add_row(*hasher.hash(tuple));
    return digest;
  }
  std::size_t largest_tuple() const {
    std::size_t largest = 0;
    for (const auto& tuple : tuples) largest = std::max(largest, tuple.size());
    return largest;
  }
};

void expect_error(const std::optional<Result<ChunkCopyOutcome>>& outcome, std::string_view says) {
  ASSERT_TRUE(outcome) << "copy_chunk did not return";
  ASSERT_FALSE(*outcome) << "copy_chunk succeeded";
  EXPECT_NE(outcome->error().message.find(says), std::string::npos) << outcome->error().message;
}

void expect_server_error(const std::optional<Result<ChunkCopyOutcome>>& outcome,
                         std::string_view says) {
  expect_error(outcome, says);
  ASSERT_TRUE(outcome && !*outcome);
  // The server's error, as it was: still a lost connection, worth a retry.
  EXPECT_TRUE(outcome->error().connection_lost);
  EXPECT_TRUE(outcome->error().retryable());
}

TEST(ChunkCopy, MovesTheStreamWholeAndDigestsItsRows) {
  Copy copy;
  FakeSink sink(copy.meter);
  auto outcome = copy.run(sink);
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(*outcome) << (*outcome).error().message;
  EXPECT_EQ(sink.received, copy.stream);
  EXPECT_TRUE(sink.finished);
  EXPECT_FALSE(sink.abort_reason);
  EXPECT_FALSE(sink.replace_contents);
  EXPECT_EQ((*outcome)->rows_stored, 500);
  EXPECT_EQ((*outcome)->bytes, static_cast<std::int64_t>(copy.stream.size()));
  EXPECT_EQ((*outcome)->source_digest, copy.expected_digest());
  EXPECT_EQ((*outcome)->source_digest.rows, 500u);
}

TEST(ChunkCopy, LargeRowsGoBeforeTheTrailerInPiecesAndCountInTheDigest) {
  Copy copy(50);
  std::vector<std::vector<wire::Field>> large = {
      {int4(9001), text(std::string(200, 'L'))},
      {int4(9002), std::nullopt},
      {int4(9003), text("short")},
  };
  copy.source.large_rows = large;
  FakeSink sink(copy.meter);
  auto outcome = copy.run(sink);
  ASSERT_TRUE(outcome && *outcome) << (outcome && !*outcome ? (*outcome).error().message : "");
  std::vector<Bytes> all = copy.tuples;
  for (const auto& row : large) all.push_back(copy_tuple(row));
  EXPECT_EQ(sink.received, copy_stream(all));
  EXPECT_EQ((*outcome)->rows_stored, 53);
  EXPECT_EQ((*outcome)->bytes, static_cast<std::int64_t>(copy_stream(all).size()));
  verify::RowHasher hasher(copy.spec.copied_kinds, &copy.shapes);
  verify::ChunkDigest expected;
  for (const auto& tuple : all) expected.add_row(*hasher.hash(tuple));
  EXPECT_EQ((*outcome)->source_digest, expected);
  long long rows = 0;
  for (auto [r, b] : copy.progress) rows += r;
  EXPECT_EQ(rows, 53);
}

TEST(ChunkCopy, EmptyChunkIsHeaderAndTrailerOnly) {
  Copy copy(0);
  FakeSink sink(copy.meter);
  auto outcome = copy.run(sink);
  ASSERT_TRUE(outcome && *outcome);
  EXPECT_EQ(sink.received, copy.stream);
  EXPECT_EQ((*outcome)->rows_stored, 0);
  EXPECT_EQ((*outcome)->source_digest, verify::ChunkDigest{});
}

TEST(ChunkCopy, OnlyAWholeKeylessTableReplacesTheTargetsContents) {
  for (bool keyed : {true, false}) {
    for (bool whole : {true, false}) {
      Copy copy(3);
      copy.table = make_table(keyed);
      copy.chunk = Chunk{};
      if (!whole) copy.chunk.end_page = 10;
      FakeSink sink(copy.meter);
      auto outcome = copy.run(sink);
      ASSERT_TRUE(outcome && *outcome);
      EXPECT_EQ(sink.replace_contents, !keyed && whole) << keyed << whole;
    }
  }
}

TEST(ChunkCopy, ProgressOnlyGrowsAndAddsUpToTheOutcome) {
  Copy copy;
  FakeSink sink(copy.meter);
  sink.slow_yields = 3;
  auto outcome = copy.run(sink);
  ASSERT_TRUE(outcome && *outcome);
  long long rows = 0;
  std::int64_t bytes = 0;
  for (auto [more_rows, more_bytes] : copy.progress) {
    EXPECT_GE(more_rows, 0);
    EXPECT_GE(more_bytes, 0);
    rows += more_rows;
    bytes += more_bytes;
    // Never ahead of what the source handed out.
    EXPECT_LE(bytes, copy.meter.produced);
  }
  EXPECT_EQ(rows, 500);
  EXPECT_EQ(bytes, (*outcome)->bytes);
  // Reported as the data moves, not once at the end.
  EXPECT_GE(copy.progress.size(), copy.stream.size() / copy.options.read_bytes);
}

TEST(ChunkCopy, TargetStoringOtherThanSentIsAnError) {
  Copy copy;
  FakeSink sink(copy.meter);
  sink.stored_skew = -1;
  expect_error(copy.run(sink), "target stored 499 rows, source sent 500");
}

TEST(ChunkCopy, SinkFailingAtBeginReadsNothing) {
  Copy copy;
  FakeSink sink(copy.meter, FakeSink::FailAt::kBegin);
  auto outcome = copy.run(sink);
  expect_server_error(outcome, "sink: begin refused");
  EXPECT_EQ(copy.source.reads, 0);
  EXPECT_EQ(sink.writes, 0);
  EXPECT_FALSE(sink.finished);
}

TEST(ChunkCopy, SinkFailingAtAWriteStopsTheReader) {
  for (auto fail_at : {FakeSink::FailAt::kFirstWrite, FakeSink::FailAt::kThirdWrite}) {
    Copy copy(5000);
    FakeSink sink(copy.meter, fail_at);
    sink.slow_yields = 2;
    auto outcome = copy.run(sink);
    expect_server_error(outcome, "sink: write lost");
    // No read starts once the sink failed, and the source was left far from its end.
    EXPECT_EQ(copy.source.reads_after_sink_failed, 0);
    EXPECT_LT(copy.source.served(), copy.stream.size() / 2);
    EXPECT_EQ(sink.writes, fail_at == FakeSink::FailAt::kFirstWrite ? 1 : 3);
    EXPECT_FALSE(sink.finished);
    EXPECT_FALSE(sink.abort_reason);  // the caller drops a session whose write failed
  }
}

TEST(ChunkCopy, SinkFailingAtFinishIsReturned) {
  Copy copy;
  FakeSink sink(copy.meter, FakeSink::FailAt::kFinish);
  auto outcome = copy.run(sink);
  expect_server_error(outcome, "sink: commit of COPY lost");
  EXPECT_TRUE(sink.finished);
  EXPECT_FALSE(sink.abort_reason);
}

TEST(ChunkCopy, SourceFailingAtBeginNeverStartsTheSink) {
  Copy copy;
  copy.source.fail_begin = server_error("source: COPY refused");
  FakeSink sink(copy.meter);
  expect_server_error(copy.run(sink), "source: COPY refused");
  EXPECT_FALSE(sink.begun);
  EXPECT_EQ(copy.source.reads, 0);
}

TEST(ChunkCopy, SourceFailingAnywhereAbortsTheSink) {
  Copy probe;
  std::size_t size = probe.stream.size();
  // At the first read, mid-stream (not on a read boundary), and after the trailer was handed out.
  for (std::size_t from : {std::size_t{0}, size / 2 + 17, size}) {
    Copy copy;
    copy.source.fail_read_from = from;
    FakeSink sink(copy.meter);
    sink.slow_yields = 1;
    auto outcome = copy.run(sink);
    expect_server_error(outcome, "source: read lost");
    EXPECT_EQ(sink.abort_reason, "pgshift: source failed") << from;
    EXPECT_FALSE(sink.finished);
    EXPECT_LE(sink.received.size(), copy.source.served());
  }
}

TEST(ChunkCopy, SourceEndingEarlyAbortsTheSink) {
  Copy probe;
  // Mid-tuple, and right after a whole tuple but before the trailer.
  for (std::size_t end : {probe.stream.size() / 2 + 5, probe.stream.size() - 2}) {
    Copy copy;
    copy.source.end_at = end;
    FakeSink sink(copy.meter);
    auto outcome = copy.run(sink);
    expect_error(outcome, "source COPY stream ended early");
    EXPECT_EQ(sink.abort_reason, "pgshift: source failed");
    EXPECT_FALSE(sink.finished);
  }
}

TEST(ChunkCopy, SlowSinkHoldsTheReaderWithinQueueBytesAndOneReadBuffer) {
  Copy copy(5000);
  FakeSink sink(copy.meter);
  sink.slow_yields = 20;
  auto outcome = copy.run(sink);
  ASSERT_TRUE(outcome && *outcome);
  EXPECT_EQ(sink.received, copy.stream);
  // One read buffer: the bytes of one read plus the incomplete tuple carried over from the last.
  auto read_buffer = static_cast<std::int64_t>(copy.options.read_bytes + copy.largest_tuple());
  auto bound = static_cast<std::int64_t>(copy.options.queue_bytes) + read_buffer;
  EXPECT_LE(copy.meter.most_held, bound);
  // And the sink was slow enough to fill the queue: the bound was what held the reader back.
  EXPECT_GT(copy.meter.most_held, static_cast<std::int64_t>(copy.options.queue_bytes * 3 / 4));
  EXPECT_GT(copy.stream.size(), 10 * copy.options.queue_bytes);
}

}  // namespace
}  // namespace pgshift
