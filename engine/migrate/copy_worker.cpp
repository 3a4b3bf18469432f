#include "engine/migrate/copy_worker.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "connectors/pg/pg_row_source.hpp"
#include "connectors/pg/session.hpp"
#include "engine/migrate/table_finisher.hpp"
#include "engine/plan/chunk_sql.hpp"
#include "engine/state/run_state.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {
namespace {

Task<Result<pg::Connection>> open_target_writer(RunContext& context) {
  auto target = co_await pg::open_session(context.options.target, "target");
  if (!target) co_return fail(target.error());
  // Safe: a chunk's rows and its mark commit together, so a commit lost in a target crash loses
  // both, and the rerun copies that chunk again.
  auto set = co_await target->query("SET synchronous_commit = off");
  if (!set) co_return fail(set.error());
  co_return std::move(*target);
}

// Reads the chunk back from the target and compares it with what the source sent.
Task<Status> verify_chunk(RunContext& context, pg::Connection& target, const Chunk& chunk,
                          const verify::ChunkDigest& source_digest) {
  const Table& table = context.tables[chunk.table];
  verify::ChunkDigest target_digest;
  if (context.options.verify == VerifyMode::kCount) {
    auto counted = co_await target.query("SELECT count(*) FROM ONLY " +
                                         plan::qualified_name(table) + " WHERE " +
                                         plan::chunk_predicate(table, chunk));
    if (!counted) co_return fail(counted.error());
    target_digest.rows = static_cast<std::uint64_t>(counted->integer(0, 0));
    target_digest.sum = source_digest.sum;  // count mode compares counts only
  } else {
    pg::PgRowSource readback(target);
    if (auto begun = co_await readback.begin(table, chunk); !begun) co_return begun;
    verify::RowHasher hasher(context.specs[chunk.table].copied_kinds, &context.target_shapes);
    auto digest = co_await verify::digest_stream(readback, hasher);
    if (!digest) co_return fail(digest.error());
    target_digest = *digest;
  }
  bool equal = target_digest == source_digest;
  auto marked = co_await target.query(state::mark_chunk_verified_sql(
      chunk.table, chunk.number, verify_mode_name(context.options.verify), target_digest, equal));
  if (!marked) co_return fail(marked.error());
  if (equal) {
    context.progress->chunk_verified(chunk.table);
  } else {
    Mismatch mismatch;
    mismatch.table = chunk.table;
    mismatch.chunk = chunk.number;
    mismatch.key_range = plan::describe_key_range(chunk);
    mismatch.kind = "changed";
    mismatch.detail = "source " + std::to_string(source_digest.rows) + " rows digest " +
                      source_digest.sum_hex() + ", target " + std::to_string(target_digest.rows) +
                      " rows digest " + target_digest.sum_hex();
    spdlog::error("verification failed: {}: {}", describe_chunk(context, chunk), mismatch.detail);
    context.mismatches.push_back(std::move(mismatch));
  }
  co_return Status{};
}

// A chunk committed by a process that stopped before reading it back: verify it now, holding its
// row lock so no other process does the same. Returns false when there is none.
Task<Result<bool>> verify_leftover_chunk(RunContext& context, pg::Connection& target) {
  auto begun = co_await target.query("BEGIN");
  if (!begun) co_return fail(begun.error());
  auto claimed = co_await state::claim_unverified_chunk(target);
  if (!claimed) co_return fail(claimed.error());
  if (!*claimed) {
    co_await target.query("ROLLBACK");
    co_return false;
  }
  const Chunk& chunk = context.chunks.at({(*claimed)->table, (*claimed)->number});
  if (auto verified = co_await verify_chunk(context, target, chunk, (*claimed)->source_digest);
      !verified) {
    co_return fail(verified.error());
  }
  auto committed = co_await target.query("COMMIT");
  if (!committed) co_return fail(committed.error());
  co_return true;
}

}  // namespace

Task<void> run_copy_worker(RunContext& context, int worker_number) {
  auto executor = co_await asio::this_coro::executor;
  std::unique_ptr<SourceSession> source;
  std::optional<pg::Connection> target;
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
      target.reset();
      std::optional<Error> error;
      auto opened_source = co_await context.open_source();
      if (opened_source) {
        source = std::move(*opened_source);
        auto opened_target = co_await open_target_writer(context);
        if (opened_target) {
          target.emplace(std::move(*opened_target));
        } else {
          error = opened_target.error();
        }
      } else {
        error = opened_source.error();
      }
      if (error) {
        source.reset();
        target.reset();
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

    auto claimed = co_await target->query("BEGIN");
    std::optional<std::pair<std::size_t, int>> key;
    if (claimed) {
      auto next = co_await state::claim_next_chunk(*target);
      if (next) {
        key = *next;
      } else {
        claimed = fail(next.error());
      }
    }
    if (claimed && !key) {
      co_await target->query("ROLLBACK");
      if (context.options.verify == VerifyMode::kOff) break;
      auto swept = co_await verify_leftover_chunk(context, *target);
      if (swept && *swept) continue;
      if (swept) break;  // no chunk left to copy or verify
      claimed = fail(swept.error());
    }

    Error failure;
    bool failed = !claimed;
    if (failed) failure = claimed.error();
    const Chunk* chunk = key ? &context.chunks.at(*key) : nullptr;
    long long attempt_rows = 0;
    std::int64_t attempt_bytes = 0;
    if (!failed) {
      auto started = std::chrono::steady_clock::now();
      auto copied = co_await copy_chunk(
          source->rows(), *target, context.specs[chunk->table], *chunk, copy_options,
          [&](long long rows, std::int64_t bytes) {
            attempt_rows += rows;
            attempt_bytes += bytes;
            context.progress->add(chunk->table, rows, bytes);
          });
      if (copied) {
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        auto committed = co_await target->query(
            state::mark_chunk_done_sql(chunk->table, chunk->number, copied->rows_stored,
                                       copied->bytes, copied->source_digest, context.worker_id,
                                       seconds) +
            "; COMMIT");
        if (!committed) {
          failed = true;
          failure = committed.error();
        } else {
          context.progress->chunk_done(chunk->table);
          const Table& table = context.tables[chunk->table];
          if (context.options.verify != VerifyMode::kOff && !table.keyless()) {
            if (auto verified = co_await verify_chunk(context, *target, *chunk,
                                                      copied->source_digest);
                !verified) {
              failed = true;
              failure = std::move(verified.error()).within("verifying");
            }
          }
          if (!failed) {
            auto complete = co_await state::claim_table_indexing(*target, chunk->table);
            if (!complete) {
              failed = true;
              failure = complete.error();
            } else if (*complete) {
              start_table_finisher(context, chunk->table);
            }
          }
          if (!failed) continue;
          // Copied and committed: a later failure must not count its rows twice.
          attempt_rows = attempt_bytes = 0;
        }
      } else {
        failed = true;
        failure = copied.error();
      }
    }

    // Failure: roll back by dropping both connections (the server aborts the transaction).
    if (chunk) context.progress->add(chunk->table, -attempt_rows, -attempt_bytes);
    source.reset();
    target.reset();
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
      if (auto recorder = co_await open_target_writer(context)) {
        co_await recorder->query(
            state::record_chunk_error_sql(chunk->table, chunk->number, failure.message));
      }
    }
    context.record_fatal(std::move(failure).within(where));
    break;
  }
}

}  // namespace pgshift
