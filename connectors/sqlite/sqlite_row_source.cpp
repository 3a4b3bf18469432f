#include "connectors/sqlite/sqlite_row_source.hpp"

#include <charconv>

#include "connectors/sqlite/sqlite_database.hpp"
#include "engine/core/offload.hpp"
#include "engine/model/copy_binary.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sqlite {
namespace {

Result<std::int64_t> integer_bound(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return fail(ErrorKind::kRuntime, "chunk bound '" + text + "' is not an integer key value");
  }
  return value;
}

// Through the column's sqlite3_value: the sqlite3_column_* accessors each take the connection's
// mutex and run its error bookkeeping, three times per text value; the value accessors do not.
// The value stays valid until the next step. Text before bytes, as SQLite documents: in a UTF-16
// file the text call converts the value to UTF-8 in place, and bytes then counts UTF-8 bytes.
SqliteValue column_value(sqlite3_stmt* statement, int index) {
  sqlite3_value* cell = sqlite3_column_value(statement, index);
  switch (sqlite3_value_type(cell)) {
    case SQLITE_INTEGER:
      return SqliteValue::of_integer(sqlite3_value_int64(cell));
    case SQLITE_FLOAT:
      return SqliteValue::of_real(sqlite3_value_double(cell));
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(cell));
      auto size = static_cast<std::size_t>(sqlite3_value_bytes(cell));
      return SqliteValue::of_text(text ? std::string_view(text, size) : std::string_view());
    }
    case SQLITE_BLOB: {
      const auto* blob = static_cast<const char*>(sqlite3_value_blob(cell));
      auto size = static_cast<std::size_t>(sqlite3_value_bytes(cell));
      return SqliteValue::of_blob(blob ? std::string_view(blob, size) : std::string_view());
    }
    default:
      return SqliteValue::null();
  }
}

void append_bytes(std::vector<std::byte>& out, const void* data, std::size_t size) {
  const auto* begin = static_cast<const std::byte*>(data);
  out.insert(out.end(), begin, begin + size);
}

}  // namespace

Result<ChunkQuery> chunk_query(const Table& table, const SourceTable& source, const Chunk& chunk) {
  ChunkQuery query;
  if (table.columns.size() != source.columns.size()) {
    return fail(ErrorKind::kRuntime, "table " + table.name + ": model and SQLite columns differ");
  }
  std::string select;
  for (const Column* column : table.copied_columns()) {
    auto index = static_cast<std::size_t>(column - table.columns.data());
    if (source.columns[index].name != column->name) {
      return fail(ErrorKind::kRuntime, "table " + table.name + ": column " + column->name +
                                           " is not where the SQLite table has it");
    }
    query.copied.push_back(index);
    select += (select.empty() ? "" : ", ") + pg::quote_identifier(column->name);
  }
  std::string range_expression;
  switch (source.range) {
    case SourceTable::Range::kKey:
      range_expression = pg::quote_identifier(source.columns[*source.key_column].name);
      query.locator.push_back(source.columns[*source.key_column].name);
      if (chunk.first_page || chunk.end_page) {
        return fail(ErrorKind::kRuntime, "table " + table.name + " is chunked by key, not rowid");
      }
      if (chunk.lower) {
        if (chunk.lower->size() != 1) return fail(ErrorKind::kRuntime, "bad chunk lower bound");
        auto bound = integer_bound(chunk.lower->front());
        if (!bound) return fail(bound.error());
        query.lower = *bound;
      }
      if (chunk.upper) {
        if (chunk.upper->size() != 1) return fail(ErrorKind::kRuntime, "bad chunk upper bound");
        auto bound = integer_bound(chunk.upper->front());
        if (!bound) return fail(bound.error());
        query.upper = *bound;
      }
      break;
    case SourceTable::Range::kRowid:
      range_expression = source.rowid_name;
      query.locator.push_back(source.rowid_name);
      if (chunk.lower || chunk.upper) {
        return fail(ErrorKind::kRuntime, "table " + table.name + " is chunked by rowid, not key");
      }
      if (chunk.first_page) query.lower = *chunk.first_page;
      if (chunk.end_page) query.upper = *chunk.end_page;
      break;
    case SourceTable::Range::kWhole:
      for (std::size_t index : source.primary_key) {
        query.locator.push_back(source.columns[index].name);
      }
      if (!chunk.whole_table()) {
        return fail(ErrorKind::kRuntime, "table " + table.name + " can only be read whole");
      }
      break;
  }
  for (const auto& name : query.locator) {
    std::string expression = name == source.rowid_name ? name : pg::quote_identifier(name);
    select += (select.empty() ? "" : ", ") + expression;
  }
  if (select.empty()) select = "NULL";
  query.sql = "SELECT " + select + " FROM " + pg::quote_identifier(source.name);
  if (query.lower && query.upper) {
    query.sql += " WHERE " + range_expression + " >= ?1 AND " + range_expression + " < ?2";
  } else if (query.lower) {
    query.sql += " WHERE " + range_expression + " >= ?1";
  } else if (query.upper) {
    // The first chunk also holds rows whose key is NULL, where the key can be NULL (a rowid and
    // a NOT NULL column cannot; leaving the OR out keeps SQLite's range search on the key).
    bool nullable =
        source.range == SourceTable::Range::kKey && !source.columns[*source.key_column].not_null;
    query.sql += nullable
                     ? " WHERE (" + range_expression + " < ?2 OR " + range_expression + " IS NULL)"
                     : " WHERE " + range_expression + " < ?2";
  }
  return query;
}

Task<Status> SqliteRowSource::begin(const Table& table, const Chunk& chunk) {
  statement_.reset();
  substitutions_.clear();
  rows_ = 0;
  header_sent_ = false;
  done_ = false;
  if (chunk.table_index >= sources_.size() || sources_[chunk.table_index].name != table.name) {
    co_return fail(ErrorKind::kRuntime, "no SQLite source table for " + table.name);
  }
  source_ = &sources_[chunk.table_index];
  auto query = chunk_query(table, *source_, chunk);
  if (!query) co_return fail(query.error());
  query_ = std::move(*query);
  auto statement = prepare(db_, query_.sql);
  if (!statement) co_return fail(std::move(statement.error()).within("table " + table.name));
  statement_ = std::move(*statement);
  if (query_.lower) sqlite3_bind_int64(statement_.get(), 1, *query_.lower);
  if (query_.upper) sqlite3_bind_int64(statement_.get(), 2, *query_.upper);
  for (std::size_t index : query_.copied) {
    substitutions_.push_back(Substitution{source_->columns[index].name, 0, {}});
  }
  clustered_ = set_up_batch(table, chunk);
  co_return Status{};
}

bool SqliteRowSource::set_up_batch(const Table& table, const Chunk& chunk) {
  std::optional<std::vector<ClusterField>> key;
  if (cluster_memory_ && table.keyless()) key = cluster_key(*source_, query_.copied);
  if (!key) {
    free_batch();  // no reason to hold memory another reader could sort with
    return false;
  }
  std::size_t want = chunk.whole_table() ? cluster_memory_->total() : cluster_share_;
  if (batch_ && batch_grant_ == want) {
    batch_->restart(std::move(*key), batch_grant_);
  } else {
    free_batch();
    batch_grant_ = cluster_memory_->take(want, kMinClusterBatchBytes);
    batch_.emplace(std::move(*key), batch_grant_);
  }
  return true;
}

void SqliteRowSource::free_batch() {
  batch_.reset();
  if (cluster_memory_) cluster_memory_->give_back(batch_grant_);
  batch_grant_ = 0;
}

std::string SqliteRowSource::describe_key() const {
  std::string out;
  auto first = static_cast<int>(query_.copied.size());
  for (std::size_t i = 0; i < query_.locator.size(); ++i) {
    if (!out.empty()) out += ",";
    out += query_.locator[i] + "=" +
           describe_value(column_value(statement_.get(), first + static_cast<int>(i)));
  }
  return out.empty() ? "(no key)" : out;
}

Status SqliteRowSource::encode_row(std::vector<std::byte>& out) {
  std::size_t row_start = out.size();
  auto fields = static_cast<std::uint16_t>(query_.copied.size());
  unsigned char count[2] = {static_cast<unsigned char>(fields >> 8),
                            static_cast<unsigned char>(fields & 0xff)};
  append_bytes(out, count, 2);
  for (std::size_t i = 0; i < query_.copied.size(); ++i) {
    const SourceColumn& column = source_->columns[query_.copied[i]];
    SqliteValue value = column_value(statement_.get(), static_cast<int>(i));
    auto field = append_copy_field(value, column.target, policy_, out);
    if (!field) {
      out.resize(row_start);
      return fail(std::move(field.error())
                      .within("table " + source_->name + " key " + describe_key() + " column " +
                              column.name));
    }
    if (*field == FieldOutcome::kReplacedByNull) {
      Substitution& substitution = substitutions_[i];
      if (substitution.count++ == 0) {
        std::vector<std::byte> scratch;
        auto refused = encode_value(value, column.target, scratch);
        substitution.first =
            "key " + describe_key() + ": " + (refused ? std::string("?") : refused.error().message);
      }
    }
  }
  ++rows_;
  return {};
}

Task<Result<bool>> SqliteRowSource::read(std::vector<std::byte>& out, std::size_t want) {
  if (!pool_) co_return fill(out, want);
  auto more = co_await run_blocking(*pool_, [this, want] {
    block_.clear();
    block_.reserve(want + want / 4);  // a last row past `want` rarely needs a regrowth
    return fill(block_, want);
  });
  if (out.empty()) {
    out.swap(block_);  // the usual case: no copy
  } else {
    out.insert(out.end(), block_.begin(), block_.end());
  }
  co_return more;
}

Result<bool> SqliteRowSource::fill(std::vector<std::byte>& out, std::size_t want) {
  if (!source_) return fail(ErrorKind::kRuntime, "SqliteRowSource::read before begin");
  if (!header_sent_) {
    append_bytes(out, pg::kCopySignature, sizeof pg::kCopySignature);
    const unsigned char flags_and_extension[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    append_bytes(out, flags_and_extension, sizeof flags_and_extension);
    header_sent_ = true;
  }
  if (done_) return false;
  if (clustered_) return fill_clustered(out, want);
  std::size_t goal = out.size() + want;
  while (out.size() < goal) {
    auto read = next_row(out);
    if (!read) return fail(read.error());
    if (!*read) return finish(out);
  }
  return true;
}

Result<bool> SqliteRowSource::next_row(std::vector<std::byte>& out) {
  auto row = step(db_, statement_.get());
  if (!row) {
    done_ = true;
    return fail(std::move(row.error()).within("table " + source_->name));
  }
  if (!*row) return false;
  if (auto encoded = encode_row(out); !encoded) {
    done_ = true;
    statement_.reset();
    return fail(encoded.error());
  }
  return true;
}

Result<bool> SqliteRowSource::fill_clustered(std::vector<std::byte>& out, std::size_t want) {
  // Rows are read into the batch until it is full or the chunk ends, then handed out in order.
  while (batch_->empty() && statement_) {
    while (!batch_->full()) {
      auto added = batch_->add([this](std::vector<std::byte>& rows) { return next_row(rows); });
      if (!added) {
        done_ = true;
        statement_.reset();
        return fail(added.error());
      }
      if (!*added) {
        statement_.reset();
        break;
      }
    }
    batch_->sort();
    if (batch_->empty()) break;  // the chunk ended on a batch boundary
  }
  batch_->drain(out, want);
  if (batch_->empty() && !statement_) return finish(out);
  return true;
}

Result<bool> SqliteRowSource::finish(std::vector<std::byte>& out) {
  const unsigned char trailer[2] = {0xff, 0xff};
  append_bytes(out, trailer, sizeof trailer);
  statement_.reset();
  done_ = true;
  return false;
}

}  // namespace pgshift::sqlite
