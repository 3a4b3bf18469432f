#include "connectors/sqlite/sqlite_source.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "connectors/sqlite/schema_ddl.hpp"
#include "connectors/sqlite/sqlite_database.hpp"
#include "connectors/sqlite/sqlite_read_session.hpp"
#include "connectors/sqlite/sqlite_row_source.hpp"

namespace pgshift::sqlite {
namespace {

std::string file_signature(const std::string& path) {
  std::string out;
  for (const std::string& file : {path, path + "-wal"}) {
    struct stat info {};
    if (stat(file.c_str(), &info) == 0) {
      out += std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
             std::to_string(info.st_mtim.tv_nsec) + ";";
    } else {
      out += "-;";
    }
  }
  return out;
}

// Keeps the shared model (whose `sources` the read session borrows) alive with the session.
class SqliteSourceSession final : public SourceSession {
 public:
  SqliteSourceSession(std::shared_ptr<const SqliteSource> source,
                      std::unique_ptr<SqliteReadSession> session)
      : source_(std::move(source)), session_(std::move(session)) {}
  RowSource& rows() override { return session_->rows(); }

 private:
  std::shared_ptr<const SqliteSource> source_;
  std::unique_ptr<SqliteReadSession> session_;
};

std::string values(std::uint64_t count) {
  return std::to_string(count) + (count == 1 ? " value" : " values");
}

// --on-type-error=text, before any DDL is built: each column holding values its type refuses
// becomes text. Values that text refuses too would still stop the copy, so they refuse the run
// up front unless the caller only assesses.
Status retype_refused_columns(SqliteSource& source, bool assess) {
  for (std::size_t t = 0; t < source.scans.size(); ++t) {
    for (const ColumnFit& fit : source.scans[t].columns) {
      if (fit.refused == 0) continue;
      const auto& columns = source.schema.sources[t].columns;
      std::size_t c = 0;
      while (c < columns.size() && columns[c].name != fit.column) ++c;
      if (c == columns.size()) continue;
      std::string where = "table " + source.schema.sources[t].name + " column " + fit.column;
      if (fit.refused_as_text > 0 && !assess) {
        return fail(ErrorKind::kRefused,
                    where + ": " + values(fit.refused_as_text) + " fit neither " +
                        columns[c].target.type.sql + " nor text (first: " + fit.first_as_text +
                        "); correct them in the file, or use --on-type-error=null");
      }
      std::string was = columns[c].target.type.sql;
      retype_to_text(source.schema, t, c);
      source.policy_notes.push_back(where + ": " + values(fit.refused) + " did not fit " + was +
                                    " (first: " + fit.first +
                                    "); the column became text, every value in its text form "
                                    "(--on-type-error=text)");
    }
  }
  return {};
}

// --on-type-error=null: the values a column's type refuses become NULL as they are copied; they
// are counted here, before the copy, so that the report says how many per column.
void note_nulled_values(SqliteSource& source) {
  for (std::size_t t = 0; t < source.scans.size(); ++t) {
    for (const ColumnFit& fit : source.scans[t].columns) {
      if (fit.refused == 0) continue;
      source.policy_notes.push_back("table " + source.schema.sources[t].name + " column " +
                                    fit.column + ": " + values(fit.refused) +
                                    " did not fit and became NULL (first: " + fit.first +
                                    ") (--on-type-error=null)");
    }
  }
}

}  // namespace

Result<std::shared_ptr<const SqliteSource>> read_source(const std::string& path,
                                                        const SourceOptions& options) {
  SchemaOptions schema_options;
  schema_options.types.timestamptz = options.timestamptz;
  schema_options.epoch_conflict_is_error = !options.assess;
  schema_options.include_table = options.include_table;
  for (const auto& spec : options.casts) {
    auto cast = parse_cast_override(spec);
    if (!cast) return fail(cast.error());
    schema_options.casts.push_back(std::move(*cast));
  }
  auto policy = parse_on_type_error(options.on_type_error);
  if (!policy) return fail(policy.error());
  auto db = open_read_only(path);
  if (!db) return fail(db.error());
  auto source = std::make_shared<SqliteSource>();
  source->path = path;
  source->on_type_error = *policy;
  if (options.cluster_memory_bytes > 0) {
    source->cluster_memory = std::make_shared<ClusterMemory>(options.cluster_memory_bytes);
    source->cluster_share =
        std::max(kMinClusterBatchBytes, options.cluster_memory_bytes /
                                            static_cast<std::size_t>(std::max(1, options.readers)));
  }
  source->signature = file_signature(path);
  auto schema = read_catalog(db->get(), schema_options);
  if (!schema) return fail(schema.error());
  source->schema = std::move(*schema);
  if (options.assess || *policy != OnTypeError::kFail) {
    for (std::size_t i = 0; i < source->schema.tables.size(); ++i) {
      auto scan = scan_table_values(db->get(), source->schema.tables[i], source->schema.sources[i]);
      if (!scan) return fail(scan.error());
      source->scans.push_back(std::move(*scan));
    }
  }
  if (*policy == OnTypeError::kText) {
    if (auto retyped = retype_refused_columns(*source, options.assess); !retyped) {
      return fail(retyped.error());
    }
  } else if (*policy == OnTypeError::kNull && !options.assess) {
    note_nulled_values(*source);
  }
  build_schema_ddl(source->schema, schema_options);
  return std::shared_ptr<const SqliteSource>(std::move(source));
}

const CatalogIndex* clustered_on(const SqliteSource& source, std::size_t i) {
  const Table& table = source.schema.tables[i];
  if (!source.cluster_memory || !table.keyless()) return nullptr;
  Chunk whole;
  whole.table_index = i;
  auto query = chunk_query(table, source.schema.sources[i], whole);
  if (!query || !cluster_key(source.schema.sources[i], query->copied)) return nullptr;
  return first_plain_index(source.schema.sources[i]);
}

SourceSessionFactory session_factory(std::shared_ptr<const SqliteSource> source) {
  return [source]() -> Task<Result<std::unique_ptr<SourceSession>>> {
    auto session =
        SqliteReadSession::open(source->path, source->schema.sources, source->on_type_error);
    if (!session) co_return fail(session.error());
    (*session)->sqlite_rows().cluster_with(source->cluster_memory, source->cluster_share);
    co_return std::make_unique<SqliteSourceSession>(source, std::move(*session));
  };
}

Status check_unchanged(const SqliteSource& source) {
  if (file_signature(source.path) != source.signature) {
    return fail(ErrorKind::kRuntime,
                "the SQLite file " + source.path +
                    " was written during the run; stop the application (or copy the file) and "
                    "run again");
  }
  return {};
}

}  // namespace pgshift::sqlite
