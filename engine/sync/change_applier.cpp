#include "engine/sync/change_applier.hpp"

#include <algorithm>
#include <atomic>

#include "connectors/pg/session.hpp"
#include "engine/sync/apply_statements.hpp"
#include "engine/sync/target_table.hpp"

namespace pgshift::sync {

using namespace pg::pgoutput;

namespace {

// Rows held for collapsing (hold()) are sent once they hold this much, whatever comes next.
constexpr std::size_t kHeldBytesLimit = 16 << 20;
// Held rows of one kind go to the target as one statement of many rows (insert_rows_sql) from this
// many on: one statement's parse, plan and executor start for all of them. Fewer go one by one.
constexpr std::size_t kRowsPerStatementFrom = 8;

// Touched keys held beyond this are sent into the open target transaction before its commit, so
// one huge source transaction does not hold all its keys in memory.
constexpr std::size_t kTouchedKeysLimit = 100'000;
const std::string kTouchedKeysLabel = "recording the touched keys";

constexpr const char* kUniqueConstraintsSql =
    "SELECT (SELECT count(*) FROM pg_catalog.pg_index WHERE indrelid = $1::pg_catalog.regclass "
    "AND indisunique) + (SELECT count(*) FROM pg_catalog.pg_constraint WHERE conrelid = "
    "$1::pg_catalog.regclass AND contype = 'x')";

// Prepared statement names are per session; a process-wide counter keeps two appliers that
// share a session (one after the other) from colliding.
std::atomic<long> next_statement_number{0};

ColumnSet present_columns(const Tuple& tuple) {
  ColumnSet present(tuple.size());
  for (std::size_t i = 0; i < tuple.size(); ++i) {
    present[i] = tuple[i].kind != ValueKind::kUnchangedToast;
  }
  return present;
}

bool complete(const ColumnSet& present) {
  for (bool column : present) {
    if (!column) return false;
  }
  return true;
}

}  // namespace

struct ChangeApplier::Statement {
  std::string name;
  std::string label;
};

struct ChangeApplier::TableShape {
  TableShape(AppliedTable applied_table, TouchedKeys::Table& touched_table)
      : applied(std::move(applied_table)), touched(touched_table) {
    const auto& columns = applied.table.columns;
    key.resize(columns.size());
    for (std::size_t i = 0; i < columns.size(); ++i) key[i] = columns[i].key;
  }
  const ApplyTable& table() const { return applied.table; }

  AppliedTable applied;
  TouchedKeys::Table& touched;
  ColumnSet key;
  bool collapsible = false;  // keyed, and the key's index is the table's one unique index
  struct HeldRow {
    std::string values;         // NUL-terminated text values (the arena's form)
    std::vector<long> offsets;  // into values; -1 = NULL
    StatementKind kind;
    ResultCheck check;
  };
  std::vector<HeldRow> held;
  std::unordered_map<std::string, std::size_t> held_index;  // key values -> held
  std::size_t held_bytes = 0;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements;  // by shape key
  std::string scratch_key;
};

Task<Status> prepare_apply_session(pg::Connection& target) {
  // The common session settings first: idempotent, and the applier relies on them (search_path
  // '' for qualified type names, no statement timeout) whoever opened the session.
  auto setup = co_await target.query(std::string(pg::kSessionSetup) +
                                     "; SET session_replication_role = replica"
                                     "; SET synchronous_commit = on");
  if (!setup) co_return fail(std::move(setup.error()).within("preparing the apply session"));
  co_return Status{};
}

ChangeApplier::ChangeApplier(pg::Connection& target)
    : target_(target), pipeline_(target, [this](std::uint32_t check, const PGresult* result) {
        on_result(check, result);
      }) {}

ChangeApplier::~ChangeApplier() = default;

void ChangeApplier::on_result(std::uint32_t check, const PGresult* result) {
  if (check == kMissingIfNoRow) {
    const char* rows = PQcmdTuples(const_cast<PGresult*>(result));
    if (rows && rows[0] == '0' && rows[1] == '\0') ++counts_.missing_rows;
  } else if (check == kMissingIfInserted) {
    if (PQntuples(result) == 1 && PQgetvalue(result, 0, 0)[0] == 't') ++counts_.missing_rows;
  } else if (check == kMissingPerInsertedRow) {
    for (int row = 0; row < PQntuples(result); ++row) {
      if (PQgetvalue(result, row, 0)[0] == 't') ++counts_.missing_rows;
    }
  }
}

Task<Status> ChangeApplier::apply(const Message& message) {
  if (const auto* change = std::get_if<Update>(&message)) co_return co_await apply_update(*change);
  if (const auto* change = std::get_if<Insert>(&message)) co_return co_await apply_insert(*change);
  if (const auto* change = std::get_if<Delete>(&message)) co_return co_await apply_delete(*change);
  if (const auto* begin = std::get_if<Begin>(&message)) {
    in_source_transaction_ = true;
    transaction_final_lsn_ = begin->final_lsn;
    co_return Status{};
  }
  if (const auto* commit = std::get_if<Commit>(&message)) {
    in_source_transaction_ = false;
    last_commit_end_ = commit->end_lsn;
    last_commit_time_us_ = commit->commit_time_us;
    ++counts_.transactions;
    co_return Status{};
  }
  if (const auto* relation = std::get_if<Relation>(&message)) {
    co_return co_await apply_relation(*relation);
  }
  if (const auto* truncate = std::get_if<Truncate>(&message)) {
    co_return co_await apply_truncate(*truncate);
  }
  // Type, Origin, LogicalMessage: nothing to write. Types are compared by column name only.
  co_return Status{};
}

Task<Status> ChangeApplier::apply_relation(const Relation& relation) {
  // The catalog query runs outside the pipeline (inside the open target transaction, if any).
  if (pipeline_.active()) {
    if (auto drained = co_await pipeline_.drain(); !drained) co_return drained;
  }
  auto columns = co_await read_target_columns(target_, relation);
  if (!columns) co_return fail(columns.error());
  auto applied = match_relation(relation, *columns);
  if (!applied) {
    // Not an error yet: a rerun meets again the Relation messages of transactions it skips as
    // applied, and the stored ones in force at the applied position, while the target may have
    // been altered since to match a later one (as the error told the user to do). The first
    // change applied under this Relation fails with it.
    mismatched_.insert_or_assign(relation.oid, std::move(applied.error()));
    co_return Status{};
  }
  mismatched_.erase(relation.oid);
  auto& slot = relations_[relation.oid];
  if (slot && slot->applied.table == applied->table &&
      slot->applied.type_oids == applied->type_oids) {
    co_return Status{};  // the same Relation again: keep the prepared statements
  }
  if (slot) {
    if (auto released = co_await release(*slot); !released) co_return released;
    if (pipeline_.active()) {
      if (auto drained = co_await pipeline_.drain(); !drained) co_return drained;
    }
    retired_.push_back(std::move(slot));
  }
  std::vector<std::optional<std::string>> name{applied->table.qualified_name()};
  auto unique = co_await target_.query(kUniqueConstraintsSql, name);
  if (!unique) co_return fail(unique.error());
  auto& touched = touched_.table(applied->table.schema, applied->table.name);
  slot = std::make_unique<TableShape>(std::move(*applied), touched);
  slot->collapsible = slot->table().keyed() && unique->integer(0, 0) == 1;
  co_return Status{};
}

Result<ChangeApplier::TableShape*> ChangeApplier::shape_of(std::uint32_t relation_oid,
                                                           std::string_view change) {
  if (auto mismatch = mismatched_.find(relation_oid); mismatch != mismatched_.end()) {
    return fail(mismatch->second);
  }
  auto found = relations_.find(relation_oid);
  if (found == relations_.end()) {
    return fail(ErrorKind::kRuntime, std::string(change) + " of source relation OID " +
                                         std::to_string(relation_oid) +
                                         " arrived before its Relation message");
  }
  return found->second.get();
}

// Checks a tuple against the table before any of it is used: one value per column, none binary
// (pgshift asks for text values), and for `needed` columns a value (not unchanged TOAST).
static Status check_tuple(const ApplyTable& table, const Tuple& tuple, const ColumnSet* needed,
                          std::string_view what) {
  if (tuple.size() != table.columns.size()) {
    return fail(ErrorKind::kRuntime, std::string(what) + " of " + table.qualified_name() + " has " +
                                         std::to_string(tuple.size()) + " values for " +
                                         std::to_string(table.columns.size()) + " columns");
  }
  for (std::size_t i = 0; i < tuple.size(); ++i) {
    if (tuple[i].kind == ValueKind::kBinary) {
      return fail(ErrorKind::kRuntime, std::string(what) + " of " + table.qualified_name() +
                                           " has a binary value, which pgshift never asks for");
    }
    if (needed && (*needed)[i] && tuple[i].kind != ValueKind::kText) {
      return fail(ErrorKind::kRuntime, std::string(what) + " of " + table.qualified_name() +
                                           " has no value for key "
                                           "column " +
                                           table.columns[i].name + ": cannot find the row");
    }
  }
  return Status{};
}

Task<Status> ChangeApplier::open_target_transaction() {
  if (target_transaction_open_) co_return Status{};
  static const std::string kBeginLabel = "BEGIN of the target transaction";
  if (auto begun = co_await pipeline_.execute("BEGIN", kNoCheck, &kBeginLabel); !begun) {
    co_return begun;
  }
  target_transaction_open_ = true;
  co_return Status{};
}

void ChangeApplier::add_values(const Tuple& tuple, const ColumnSet& columns) {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (!columns[i]) continue;
    if (tuple[i].kind != ValueKind::kText) {
      offsets_.push_back(-1);
      continue;
    }
    offsets_.push_back(static_cast<long>(arena_.size()));
    arena_.append(tuple[i].data);
    arena_.push_back('\0');  // libpq reads text parameters up to the NUL
  }
}

Task<Status> ChangeApplier::run(TableShape& shape, StatementKind kind, const ColumnSet& set,
                                const ColumnSet& match, ResultCheck check) {
  std::string& key = shape.scratch_key;
  key.assign(1, static_cast<char>(kind));
  for (bool column : set) key.push_back(column ? '1' : '0');
  key.push_back('|');
  for (bool column : match) key.push_back(column ? '1' : '0');
  auto found = shape.statements.find(key);
  if (found == shape.statements.end()) {
    auto statement = std::make_unique<Statement>();
    statement->name = "pgshift_apply_" + std::to_string(next_statement_number++);
    statement->label = statement_label(shape.table(), kind);
    // Parameter types: the target columns' own, in parameter order (apply_statements.hpp).
    std::vector<Oid> types;
    auto add_types = [&](const ColumnSet& columns) {
      for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i]) types.push_back(shape.applied.type_oids[i]);
      }
    };
    add_types(set);
    if (kind == StatementKind::kUpdateByKey || kind == StatementKind::kDeleteByKey)
      add_types(shape.key);
    if (kind == StatementKind::kUpdateOneRow || kind == StatementKind::kDeleteOneRow)
      add_types(match);
    auto sql = statement_sql(shape.table(), kind, set, match);
    if (auto prepared = co_await pipeline_.prepare(statement->name, sql, types, &statement->label);
        !prepared) {
      co_return prepared;
    }
    found = shape.statements.emplace(key, std::move(statement)).first;
  }
  values_.clear();
  for (long offset : offsets_) values_.push_back(offset < 0 ? nullptr : arena_.data() + offset);
  const Statement& statement = *found->second;
  auto sent = co_await pipeline_.execute_prepared(statement.name, values_, arena_.size(), check,
                                                  &statement.label);
  arena_.clear();
  offsets_.clear();
  co_return sent;
}

Task<Status> ChangeApplier::apply_insert(const Insert& insert) {
  auto shape = shape_of(insert.relation, "insert");
  if (!shape) co_return fail(shape.error());
  const ApplyTable& table = (*shape)->table();
  if (auto checked = check_tuple(table, insert.new_tuple, nullptr, "insert"); !checked) {
    co_return checked;
  }
  if (auto opened = co_await open_target_transaction(); !opened) co_return opened;
  if (auto noted = co_await note_touched(**shape, table.keyed() ? &insert.new_tuple : nullptr);
      !noted) {
    co_return noted;
  }
  auto present = present_columns(insert.new_tuple);
  // A keyless table's inserts are held too (in arrival order, never merged): sent together, they
  // are one statement of many rows.
  if (((*shape)->collapsible || !table.keyed()) && complete(present)) {
    auto kind = table.keyed() ? StatementKind::kUpsert : StatementKind::kInsert;
    if (auto held = co_await hold(**shape, insert.new_tuple, kind, kNoCheck); !held) {
      co_return held;
    }
    ++counts_.inserts;
    ++pending_changes_;
    co_return Status{};
  }
  if (auto released = co_await release(**shape); !released) co_return released;
  add_values(insert.new_tuple, present);
  // A keyless table (REPLICA IDENTITY FULL or no key) gets a plain INSERT: nothing identifies a
  // row to upsert on. Replaying onto it is exact only because apply is exactly-once for such a
  // table (its changes are applied from the LSN its copy was taken at, each once): a rerun that
  // replayed an insert twice would leave a duplicate row.
  auto status =
      co_await run(**shape, table.keyed() ? StatementKind::kUpsert : StatementKind::kInsert,
                   present, {}, kNoCheck);
  if (!status) co_return status;
  ++counts_.inserts;
  ++pending_changes_;
  co_return Status{};
}

Task<Status> ChangeApplier::apply_update(const Update& update) {
  auto found = shape_of(update.relation, "update");
  if (!found) co_return fail(found.error());
  TableShape& shape = **found;
  const ApplyTable& table = shape.table();
  const bool by_old_row = update.old_kind == 'O' || !table.keyed();
  if (by_old_row && update.old_kind != 'O') {
    co_return fail(ErrorKind::kRuntime, "update of " + table.qualified_name() +
                                            " has neither a key nor the old row: cannot find "
                                            "the row (set REPLICA IDENTITY on the source)");
  }
  const bool old_key = update.old_kind == 'K';
  const Tuple& key_source = old_key ? update.old_tuple : update.new_tuple;
  if (auto checked = check_tuple(table, update.new_tuple, nullptr, "update"); !checked) {
    co_return checked;
  }
  if (update.old_kind != 0) {
    if (auto checked = check_tuple(table, update.old_tuple, nullptr, "update's old row");
        !checked) {
      co_return checked;
    }
  }
  if (!by_old_row) {
    if (auto checked = check_tuple(table, key_source, &shape.key, "update"); !checked) {
      co_return checked;
    }
  }
  if (auto opened = co_await open_target_transaction(); !opened) co_return opened;
  // A key change touches both keys: the row leaves one and arrives at the other.
  Status noted;
  if (by_old_row) {
    noted = co_await note_touched(shape, nullptr);
  } else {
    noted = co_await note_touched(shape, &update.new_tuple, &key_source);
    if (noted && old_key) noted = co_await note_touched(shape, &update.old_tuple);
  }
  if (!noted) co_return noted;
  auto present = present_columns(update.new_tuple);
  Status status;
  if (by_old_row || !complete(present)) {
    if (auto released = co_await release(shape); !released) co_return released;
  }
  if (by_old_row) {
    // Exactly one row equal to the old row; 'u' old columns are left out of the match.
    auto match = present_columns(update.old_tuple);
    add_values(update.new_tuple, present);
    add_values(update.old_tuple, match);
    // A miss is counted, never made up with an insert: without a key that could duplicate a row.
    status = co_await run(shape, StatementKind::kUpdateOneRow, present, match, kMissingIfNoRow);
  } else {
    bool key_changed = false;
    for (std::size_t i = 0; old_key && i < shape.key.size(); ++i) {
      if (!shape.key[i]) continue;
      const auto& before = update.old_tuple[i];
      const auto& after = update.new_tuple[i];
      key_changed = key_changed || after.kind != before.kind || after.data != before.data;
    }
    if (complete(present) && !key_changed && shape.collapsible) {
      status = co_await hold(shape, update.new_tuple, StatementKind::kUpsertReporting,
                             kMissingIfInserted);
    } else if (complete(present) && !key_changed) {
      // The whole new row with the same key: an upsert converges whether or not the row is there
      // (a rerun's copy may hold a newer version that was deleted later), in one statement and
      // without waiting for a matched-row count; it reports a row it had to insert.
      add_values(update.new_tuple, present);
      status =
          co_await run(shape, StatementKind::kUpsertReporting, present, {}, kMissingIfInserted);
    } else if (complete(present)) {
      // The row moves to a new key: delete it at the old key and upsert the whole new row.
      if (auto released = co_await release(shape); !released) co_return released;
      add_values(update.old_tuple, shape.key);
      status = co_await run(shape, StatementKind::kDeleteByKey, {}, {}, kMissingIfNoRow);
      if (status) {
        add_values(update.new_tuple, present);
        status = co_await run(shape, StatementKind::kUpsert, present, {}, kNoCheck);
      }
    } else {
      // Unchanged-TOAST columns are left alone: only an UPDATE of the row at its (old) key can
      // do that. A miss is counted; no complete row exists to converge with.
      add_values(update.new_tuple, present);
      add_values(key_source, shape.key);
      status = co_await run(shape, StatementKind::kUpdateByKey, present, {}, kMissingIfNoRow);
    }
  }
  if (!status) co_return status;
  ++counts_.updates;
  ++pending_changes_;
  co_return Status{};
}

Task<Status> ChangeApplier::note_touched(TableShape& shape, const Tuple* key_tuple,
                                         const Tuple* fallback) {
  if (!record_touched_) co_return Status{};
  if (key_tuple == nullptr) {
    touched_.touch_whole(shape.touched);
  } else {
    std::string literal = "{";
    for (std::size_t i = 0; i < shape.key.size(); ++i) {
      if (!shape.key[i]) continue;
      const TupleValue* value = &(*key_tuple)[i];
      if (value->kind == ValueKind::kUnchangedToast && fallback) value = &(*fallback)[i];
      append_array_element(literal, value->kind == ValueKind::kText
                                        ? std::optional<std::string_view>(value->data)
                                        : std::nullopt);
    }
    literal += '}';
    touched_.touch(shape.touched, std::move(literal));
  }
  if (touched_.size() < kTouchedKeysLimit) co_return Status{};
  // Stamped just past this transaction's commit record: later than the stamp of any batch
  // committed before (a check that read an older stamp sees the key as touched again), and no
  // later than what this batch's commit stamps.
  pg::Lsn stamp{transaction_final_lsn_.value + 1};
  for (const auto& statement : touched_.take_statements(stamp)) {
    if (auto sent = co_await pipeline_.execute(statement, kNoCheck, &kTouchedKeysLabel); !sent) {
      co_return sent;
    }
  }
  co_return Status{};
}

Task<Status> ChangeApplier::hold(TableShape& shape, const Tuple& tuple, StatementKind kind,
                                 ResultCheck check) {
  std::string key;
  TableShape::HeldRow row{{}, {}, kind, check};
  for (std::size_t i = 0; i < tuple.size(); ++i) {
    if (shape.key[i]) {
      key += std::to_string(tuple[i].data.size()) + ':';
      key.append(tuple[i].data);
    }
    if (tuple[i].kind != ValueKind::kText) {
      row.offsets.push_back(-1);
      continue;
    }
    row.offsets.push_back(static_cast<long>(row.values.size()));
    row.values.append(tuple[i].data);
    row.values.push_back('\0');
  }
  shape.held_bytes += row.values.size() + key.size();
  if (!shape.table().keyed()) {
    shape.held.push_back(std::move(row));
    if (shape.held_bytes >= kHeldBytesLimit) co_return co_await release(shape);
    co_return Status{};
  }
  auto [found, inserted] = shape.held_index.emplace(std::move(key), shape.held.size());
  if (inserted) {
    shape.held.push_back(std::move(row));
  } else {
    // The first change's statement stays: an insert then updates is still an insert.
    auto& earlier = shape.held[found->second];
    shape.held_bytes -= earlier.values.size();
    earlier.values = std::move(row.values);
    earlier.offsets = std::move(row.offsets);
  }
  if (shape.held_bytes >= kHeldBytesLimit) co_return co_await release(shape);
  co_return Status{};
}

Task<Status> ChangeApplier::release(TableShape& shape) {
  if (shape.held.empty()) co_return Status{};
  ColumnSet every(shape.key.size(), true);
  auto rows = std::move(shape.held);
  shape.held.clear();
  shape.held_index.clear();
  shape.held_bytes = 0;
  const auto& array_types = shape.applied.array_type_oids;
  const bool arrays = std::none_of(array_types.begin(), array_types.end(),
                                   [](std::uint32_t oid) { return oid == 0; });
  // A keyed table's held rows have distinct keys, so the kinds may go in any order.
  for (auto kind :
       {StatementKind::kUpsert, StatementKind::kUpsertReporting, StatementKind::kInsert}) {
    std::vector<TableShape::HeldRow*> of_kind;
    for (auto& row : rows) {
      if (row.kind == kind) of_kind.push_back(&row);
    }
    if (of_kind.empty()) continue;
    if (!arrays || of_kind.size() < kRowsPerStatementFrom) {
      for (auto* row : of_kind) {
        arena_ = std::move(row->values);
        offsets_ = std::move(row->offsets);
        if (auto sent = co_await run(shape, kind, every, {}, row->check); !sent) co_return sent;
      }
      continue;
    }
    std::string key = "*";
    key.push_back(static_cast<char>(kind));
    auto found = shape.statements.find(key);
    if (found == shape.statements.end()) {
      auto statement = std::make_unique<Statement>();
      statement->name = "pgshift_apply_" + std::to_string(next_statement_number++);
      statement->label = statement_label(shape.table(), kind);
      auto sql = insert_rows_sql(shape.table(), kind != StatementKind::kInsert,
                                 kind == StatementKind::kUpsertReporting);
      std::vector<Oid> types(array_types.begin(), array_types.end());
      if (auto prepared =
              co_await pipeline_.prepare(statement->name, sql, types, &statement->label);
          !prepared) {
        co_return prepared;
      }
      found = shape.statements.emplace(key, std::move(statement)).first;
    }
    std::vector<std::string> columns(array_types.size());
    for (const auto* row : of_kind) {
      for (std::size_t i = 0; i < columns.size(); ++i) {
        long offset = row->offsets[i];
        append_array_element(columns[i], offset < 0 ? nullptr : row->values.data() + offset);
      }
    }
    values_.clear();
    std::size_t bytes = 0;
    for (const auto& column : columns) {
      values_.push_back(column.c_str());
      bytes += column.size();
    }
    auto check = kind == StatementKind::kUpsertReporting ? kMissingPerInsertedRow : kNoCheck;
    const Statement& statement = *found->second;
    if (auto sent = co_await pipeline_.execute_prepared(statement.name, values_, bytes, check,
                                                        &statement.label);
        !sent) {
      co_return sent;
    }
  }
  co_return Status{};
}

Task<Status> ChangeApplier::release_all() {
  for (auto& [oid, shape] : relations_) {
    if (auto released = co_await release(*shape); !released) co_return released;
  }
  co_return Status{};
}

Task<Status> ChangeApplier::apply_delete(const Delete& delete_) {
  auto found = shape_of(delete_.relation, "delete");
  if (!found) co_return fail(found.error());
  TableShape& shape = **found;
  const ApplyTable& table = shape.table();
  const bool by_old_row = delete_.old_kind == 'O' || !table.keyed();
  if (auto checked =
          check_tuple(table, delete_.old_tuple, by_old_row ? nullptr : &shape.key, "delete");
      !checked) {
    co_return checked;
  }
  if (auto opened = co_await open_target_transaction(); !opened) co_return opened;
  if (auto noted = co_await note_touched(shape, by_old_row ? nullptr : &delete_.old_tuple);
      !noted) {
    co_return noted;
  }
  if (auto released = co_await release(shape); !released) co_return released;
  Status status;
  if (by_old_row) {
    auto match = present_columns(delete_.old_tuple);
    add_values(delete_.old_tuple, match);
    status = co_await run(shape, StatementKind::kDeleteOneRow, {}, match, kMissingIfNoRow);
  } else {
    add_values(delete_.old_tuple, shape.key);
    status = co_await run(shape, StatementKind::kDeleteByKey, {}, {}, kMissingIfNoRow);
  }
  if (!status) co_return status;
  ++counts_.deletes;
  ++pending_changes_;
  co_return Status{};
}

Task<Status> ChangeApplier::apply_truncate(const Truncate& truncate) {
  std::vector<TableShape*> shapes;
  std::vector<std::string> names;
  for (auto oid : truncate.relations) {
    auto shape = shape_of(oid, "truncate");
    if (!shape) co_return fail(shape.error());
    shapes.push_back(*shape);
    names.push_back((*shape)->table().qualified_name());
  }
  if (names.empty()) co_return Status{};
  if (auto opened = co_await open_target_transaction(); !opened) co_return opened;
  // Tables reached only by CASCADE are left unmarked here: the source's Truncate message names
  // every table it truncated, cascaded ones included.
  if (record_touched_) {
    for (TableShape* shape : shapes) touched_.truncate(shape->touched);
  }
  // CASCADE may reach tables not named: everything held goes first.
  if (auto released = co_await release_all(); !released) co_return released;
  auto sql = truncate_sql(names, truncate.cascade(), truncate.restart_identity());
  labels_.push_back(sql);
  if (auto sent = co_await pipeline_.execute(sql, kNoCheck, &labels_.back()); !sent) {
    co_return sent;
  }
  ++counts_.truncates;
  ++pending_changes_;
  co_return Status{};
}

Task<void> ChangeApplier::roll_back() {
  if (pipeline_.active()) (void)co_await pipeline_.drain();
  (void)co_await target_.query("ROLLBACK");
  // After an error the server skipped the rest of its sync group, preparations included: which
  // statements exist is unknown, so start again from none (new names; the pipeline is drained, so
  // no label is in use).
  (void)co_await target_.query("DEALLOCATE ALL");
  for (auto& [oid, shape] : relations_) {
    shape->statements.clear();
    shape->held.clear();
    shape->held_index.clear();
    shape->held_bytes = 0;
  }
  retired_.clear();
  labels_.clear();
  touched_.clear();
  target_transaction_open_ = false;
  pending_changes_ = 0;
}

Task<Status> ChangeApplier::commit(std::string_view record_sql) {
  if (!target_transaction_open_) {
    if (record_sql.empty()) co_return Status{};
    // One simple-protocol query: its statements run in one implicit transaction.
    auto recorded = co_await target_.query(record_sql);
    if (!recorded) co_return fail(recorded.error());
    co_return Status{};
  }
  auto released = co_await release_all();
  if (!released) {
    co_await roll_back();
    co_return released;
  }
  auto drained = co_await pipeline_.drain();
  if (!drained) {
    co_await roll_back();
    co_return drained;
  }
  std::string record;
  for (auto& statement : touched_.take_statements(last_commit_end_)) {
    record += statement;
    record += ";\n";
  }
  record += record_sql;
  if (!record.empty()) {
    auto recorded = co_await target_.query(record);
    if (!recorded) {
      co_await roll_back();
      co_return fail(std::move(recorded.error()).within("recording the applied position"));
    }
  }
  auto committed = co_await target_.query("COMMIT");
  target_transaction_open_ = false;
  pending_changes_ = 0;
  if (!committed) co_return fail(committed.error());
  // COMMIT of an aborted transaction answers ROLLBACK, without an error.
  if (std::string_view(PQcmdStatus(committed->get())) != "COMMIT") {
    co_return fail(ErrorKind::kRuntime,
                   target_.label() + ": the apply transaction was rolled back");
  }
  co_return Status{};
}

}  // namespace pgshift::sync
