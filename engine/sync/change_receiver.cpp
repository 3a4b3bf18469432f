#include "engine/sync/change_receiver.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "connectors/pg/replication/pgoutput.hpp"
#include "connectors/pg/replication/replication_connection.hpp"
#include "connectors/pg/replication/wire_frames.hpp"
#include "connectors/pg/session.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/sync/spill_codec.hpp"
#include "engine/sync/sync_state.hpp"

namespace pgshift::sync {
namespace {

using Clock = std::chrono::steady_clock;

// A commit is spilled at most this long after it arrived, unless more keeps coming (the batch
// then grows to a segment): short, because the change's latency to the target starts here.
constexpr auto kSpillDelay = std::chrono::milliseconds(3);
// Standby status at least this often (wal_sender_timeout is 60 s by default).
constexpr auto kStatusInterval = std::chrono::seconds(10);
// While waiting for --endpos on an idle stream, ask the server for its position this often.
constexpr auto kEndposPoll = std::chrono::milliseconds(100);

class Receiver {
 public:
  Receiver(StreamRun& run, pg::ReplicationConnection stream, pg::Connection target)
      : run_(run), stream_(std::move(stream)), target_(std::move(target)) {}

  Task<Status> run() {
    auto next_status = Clock::now() + kStatusInterval;
    std::vector<std::byte> message;
    while (!run_.stopping) {
      auto now = Clock::now();
      auto until = std::min(next_status, flush_due_.value_or(Clock::time_point::max()));
      if (waiting_for_endpos()) until = std::min(until, now + kEndposPoll);
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
      auto got =
          co_await stream_.next_message(message, std::max(wait, std::chrono::milliseconds(0)));
      if (!got) co_return fail(std::move(got.error()).within("change stream"));
      if (*got) {
        if (auto handled = co_await handle(message); !handled) co_return handled;
      }
      now = Clock::now();
      if (flush_due_ && now >= *flush_due_) {
        if (auto flushed = co_await flush(); !flushed) co_return flushed;
      }
      if (now >= next_status || (!*got && waiting_for_endpos())) {
        if (auto sent = co_await send_status(waiting_for_endpos()); !sent) co_return sent;
        next_status = Clock::now() + kStatusInterval;
      }
    }
    co_return Status{};
  }

 private:
  void signal_applier() {
    ++run_.spill_generation;
    run_.spilled.notify();
  }

  bool waiting_for_endpos() const { return run_.endpos && run_.durable < *run_.endpos; }

  Task<Status> handle(const std::vector<std::byte>& message) {
    auto frame = pg::replication::parse_frame(message);
    if (!frame) co_return fail(frame.error());
    if (auto* keepalive = std::get_if<pg::replication::Keepalive>(&*frame)) {
      run_.server_wal_end = std::max(run_.server_wal_end, keepalive->wal_end);
      // Nothing of ours in flight and everything received is durable: the source may forget
      // the WAL up to here (the heartbeat that keeps an idle stream from pinning it).
      if (!in_transaction_ && segment_.empty() && keepalive->wal_end > run_.durable) {
        run_.durable = keepalive->wal_end;
        signal_applier();
      }
      if (keepalive->reply_requested) co_return co_await send_status(false);
      co_return Status{};
    }
    const auto& data = std::get<pg::replication::XLogData>(*frame);
    run_.server_wal_end = std::max(run_.server_wal_end, data.wal_end);
    if (data.payload.empty()) co_return Status{};
    append_spill_message(segment_, data.wal_start, data.payload);
    auto type = static_cast<char>(data.payload[0]);
    if (type == 'B') {
      in_transaction_ = true;
    } else if (type == 'C') {
      auto decoded = pg::pgoutput::decode(data.payload);
      if (!decoded) co_return fail(decoded.error());
      const auto& commit = std::get<pg::pgoutput::Commit>(*decoded);
      in_transaction_ = false;
      complete_through_ = commit.end_lsn;
      complete_bytes_ = segment_.size();
      if (!flush_due_) flush_due_ = Clock::now() + kSpillDelay;
    } else if (type == 'M' && !in_transaction_) {
      // A non-transactional message (a marker): everything before it has been received.
      complete_through_ = std::max(complete_through_, data.wal_start);
      complete_bytes_ = segment_.size();
      if (!flush_due_) flush_due_ = Clock::now() + kSpillDelay;
    }
    if (segment_.size() >= kMaxSegmentBytes) co_return co_await flush();
    co_return Status{};
  }

  // One target transaction: the whole transactions received so far as a complete segment, the
  // open transaction's beginning as an incomplete one, and the durable position.
  Task<Status> flush() {
    flush_due_.reset();
    if (segment_.empty()) co_return Status{};
    std::span<const std::byte> whole(segment_.data(), complete_bytes_);
    std::span<const std::byte> open(segment_.data() + complete_bytes_,
                                    segment_.size() - complete_bytes_);
    std::string sql = "BEGIN;\n";
    if (!whole.empty()) {
      // Earlier incomplete segments belong to the transaction this segment completes (protocol 1
      // sends one transaction at a time).
      if (open_transaction_spilled_)
        sql += "UPDATE pgshift.spill SET complete = true WHERE NOT complete;\n";
      sql += append_segment_sql(whole, true, complete_through_) + ";\n";
      sql +=
          "UPDATE pgshift.sync SET received_lsn = " + pg::quote_literal(complete_through_.text()) +
          "::pg_lsn, updated_at = now();\n";
      open_transaction_spilled_ = false;
    }
    if (!open.empty()) {
      sql += append_segment_sql(open, false, std::nullopt) + ";\n";
    }
    sql += "COMMIT";
    auto written = co_await target_.query(sql);
    if (!written) co_return fail(std::move(written.error()).within("writing the spill"));
    if (!open.empty()) open_transaction_spilled_ = true;
    segment_.clear();
    complete_bytes_ = 0;
    if (complete_through_ > run_.durable) run_.durable = complete_through_;
    signal_applier();
    co_return co_await send_status(false);
  }

  Task<Status> send_status(bool reply_requested) {
    auto status =
        pg::replication::standby_status(run_.server_wal_end, run_.durable, run_.durable,
                                        pg::replication::postgres_now_us(), reply_requested);
    co_return co_await stream_.send(status);
  }

  StreamRun& run_;
  pg::ReplicationConnection stream_;
  pg::Connection target_;
  std::vector<std::byte> segment_;
  std::size_t complete_bytes_ = 0;  // segment_ bytes up to the last whole transaction
  pg::Lsn complete_through_;
  bool in_transaction_ = false;
  bool open_transaction_spilled_ = false;
  std::optional<Clock::time_point> flush_due_;
};

}  // namespace

Task<Status> run_change_receiver(StreamRun& run) {
  auto target = co_await pg::open_session(run.options.copy.target, "target");
  if (!target) co_return fail(target.error());
  // The beginning of a transaction that was being spilled when a run ended: the source sends it
  // again whole, from the durable position.
  auto dropped = co_await target->query("DELETE FROM pgshift.spill WHERE NOT complete");
  if (!dropped) co_return fail(dropped.error());
  auto recorded = co_await load_stream_state(*target);
  if (!recorded) co_return fail(recorded.error());
  if (!*recorded) co_return fail(ErrorKind::kRuntime, "the change stream's state is missing");
  pg::Lsn from = std::max((*recorded)->received_lsn, (*recorded)->start_lsn);
  if (from > run.durable) run.durable = from;
  auto stream = co_await pg::ReplicationConnection::open(run.options.copy.source, "source");
  if (!stream) co_return fail(stream.error());
  if (auto started = co_await stream->start(run.state.slot_name, from, run.state.publication);
      !started) {
    co_return started;
  }
  spdlog::debug("change stream: following slot {} from {}", run.state.slot_name, from.text());
  Receiver receiver(run, std::move(*stream), std::move(*target));
  co_return co_await receiver.run();
}

}  // namespace pgshift::sync
