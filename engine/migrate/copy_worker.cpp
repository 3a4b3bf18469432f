#include "engine/migrate/copy_worker.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "connectors/pg/chunk_sql.hpp"
#include "connectors/pg/pg_copy_sink.hpp"
#include "connectors/pg/pg_row_source.hpp"
#include "connectors/pg/session.hpp"
#include "engine/core/fault.hpp"
#include "engine/migrate/chunk_verifier.hpp"
#include "engine/migrate/table_finisher.hpp"
#include "engine/state/run_state.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {
namespace {

// Chunks of a table counted right after their copy (--verify count, see below).
constexpr int kInlineCountChunks = 4;

}  // namespace

Task<void> run_copy_worker(RunContext& context, int worker_number) {
  auto executor = co_await asio::this_coro::executor;
  std::unique_ptr<SourceSession> source;
  std::optional<pg::PooledSession> target_lease;
  pg::Connection* target = nullptr;
  std::map<std::pair<std::size_t, int>, int> attempts;
  int connect_failures = 0;
  ChunkCopyOptions copy_options;
  copy_options.queue_bytes = context.options.queue_bytes;

  auto back_off = [&](int attempt) -> Task<void> {
    asio::steady_timer timer(executor);
    timer.expires_after(std::chrono::milliseconds(std::min(10000, 500 << std::min(attempt, 5))));
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  };

  while (!context.stopping) {
    if (!source || !target) {
      source.reset();
      target_lease.reset();
      target = nullptr;
      std::optional<Error> error;
      auto opened_source = co_await context.open_source();
      if (opened_source) {
        source = std::move(*opened_source);
        auto opened_target = co_await context.target_sessions.acquire();
        if (opened_target) {
          target_lease.emplace(std::move(*opened_target));
          target = &**target_lease;
        } else {
          error = opened_target.error();
        }
      } else {
        error = opened_source.error();
      }
      if (error) {
        source.reset();
        target_lease.reset();
        target = nullptr;
        if (error->retryable() && ++connect_failures <= context.options.max_retries) {
          spdlog::warn("worker {}: {} (retrying)", worker_number, error->message);
          co_await back_off(connect_failures);
          continue;
        }
        context.record_fatal(std::move(*error));
        break;
      }
      connect_failures = 0;
    }

    // Read committed whatever the server's default: SKIP LOCKED claims, and COPY FREEZE needs no
    // snapshot held from the claim (pg_copy_sink.cpp).
    Status claimed;
    std::optional<std::pair<std::size_t, int>> key;
    if (auto next = co_await state::claim_next_chunk(*target); next) {
      key = *next;
    } else {
      claimed = fail(next.error());
    }
    if (claimed && !key) {
      co_await target->query("ROLLBACK");
      if (context.options.verify == VerifyMode::kOff) break;
      auto swept = co_await verify_leftover_chunk(context, *target, std::nullopt);
      if (swept && *swept) continue;
      if (swept) break;  // no chunk left to copy or verify
      claimed = fail(swept.error());
    }

    if (key) fault_point("throw-in-copy-lane");
    Error failure;
    bool failed = !claimed;
    if (failed) failure = claimed.error();
    const Chunk* chunk = key ? &context.chunks.at(*key) : nullptr;
    long long attempt_rows = 0;
    std::int64_t attempt_bytes = 0;
    if (!failed) {
      auto started = std::chrono::steady_clock::now();
      auto copy_timed = context.phase_times.time(Phase::kCopy);
      pg::PgCopySink sink(*target);
      auto copied =
          co_await copy_chunk(source->rows(), sink, context.specs[chunk->table_index], *chunk,
                              copy_options, [&](long long rows, std::int64_t bytes) {
                                attempt_rows += rows;
                                attempt_bytes += bytes;
                                context.progress->add(chunk->table_index, rows, bytes);
                              });
      if (copied) {
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        // --verify count reads the chunk back before the table may be claimed for indexing.
        const Table& table = context.tables[chunk->table_index];
        bool count_now =
            context.options.verify == VerifyMode::kCount && !table.keyless() &&
            context.progress->table(chunk->table_index).chunks_done < kInlineCountChunks;
        // Built before the co_await: GCC 12 destroys a ?: temporary inside one twice.
        std::string commit = state::mark_chunk_done_sql(
                                 chunk->table_index, chunk->number, copied->rows_stored,
                                 copied->bytes, copied->source_digest, context.worker_id, seconds) +
                             "; COMMIT";
        if (!count_now) commit += "; " + state::claim_table_indexing_sql(chunk->table_index);
        auto committed = co_await target->query(commit);
        copy_timed.stop();
        if (!committed) {
          failed = true;
          failure = committed.error();
        } else {
          context.progress->chunk_done(chunk->table_index);
          // --verify count counts each chunk at once, while the other workers keep copying.
          // But the table has no index yet, so each such count scans everything copied into it
          // so far: past the first few chunks of a table that cost grows with the table, and
          // its chunks are left to the table finisher, which counts them through the key's
          // index. --verify full reads every chunk back in one pass over the finished table
          // instead (table_readback.hpp), which costs less than either.
          bool claimed_indexing = !count_now && committed->rows() == 1;
          if (count_now) {
            if (auto verified =
                    co_await verify_chunk(context, *target, *chunk, copied->source_digest);
                !verified) {
              failed = true;
              failure = std::move(verified.error()).within("verifying");
            } else if (auto complete = co_await target->query(
                           state::claim_table_indexing_sql(chunk->table_index));
                       !complete) {
              failed = true;
              failure = complete.error();
            } else {
              claimed_indexing = complete->rows() == 1;
            }
          }
          if (!failed && claimed_indexing) start_table_finisher(context, chunk->table_index);
          if (!failed) continue;
          // Copied and committed: a later failure must not count its rows twice.
          attempt_rows = attempt_bytes = 0;
        }
      } else {
        failed = true;
        failure = copied.error();
      }
    }

    // Failure: roll back by dropping both connections (the server aborts the transaction; the
    // pool closes a session that is not idle).
    if (chunk) context.progress->add(chunk->table_index, -attempt_rows, -attempt_bytes);
    source.reset();
    target_lease.reset();
    target = nullptr;
    if (context.stopping) break;
    std::string where = chunk ? describe_chunk(context, *chunk) : "claiming a chunk";
    int attempt = key ? ++attempts[*key] : ++connect_failures;
    if (failure.retryable() && attempt <= context.options.max_retries) {
      spdlog::warn("{}: {} (retry {}/{})", where, failure.message, attempt,
                   context.options.max_retries);
      co_await back_off(attempt);
      continue;
    }
    if (chunk) {
      if (auto recorder = co_await context.target_sessions.acquire()) {
        co_await (*recorder)->query(
            state::record_chunk_error_sql(chunk->table_index, chunk->number, failure.message));
      }
    }
    // A source value that does not fit (bad input) met after chunks were written: the run failed
    // while running (exit 3), its state kept, and resumes once the value is fixed.
    if (failure.kind == ErrorKind::kRefused) failure.kind = ErrorKind::kRuntime;
    context.record_fatal(std::move(failure).within(where));
    break;
  }
}

}  // namespace pgshift
