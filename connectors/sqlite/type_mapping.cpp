#include "connectors/sqlite/type_mapping.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "engine/core/ascii_text.hpp"

namespace pgshift::sqlite {
namespace {

// "double   precision" -> "DOUBLE PRECISION".
std::string normalize_name(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : trim(text)) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// A declared type split into its name and integer arguments ("NUMERIC(10, 2)").
struct DeclaredType {
  std::string name;
  std::vector<std::int64_t> args;
  bool args_valid = true;  // every argument was an integer and the parentheses closed
  bool has_args = false;
};

DeclaredType split_declared(std::string_view declared) {
  DeclaredType out;
  auto open = declared.find('(');
  out.name = normalize_name(declared.substr(0, open));
  if (open == std::string_view::npos) return out;
  out.has_args = true;
  auto close = declared.find(')', open);
  if (close == std::string_view::npos || !trim(declared.substr(close + 1)).empty()) {
    out.args_valid = false;
    return out;
  }
  std::string_view inside = declared.substr(open + 1, close - open - 1);
  while (true) {
    auto comma = inside.find(',');
    std::string_view part = trim(inside.substr(0, comma));
    if (!part.empty() && part.front() == '+') part.remove_prefix(1);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size()) {
      out.args_valid = false;
      return out;
    }
    out.args.push_back(value);
    if (comma == std::string_view::npos) break;
    inside.remove_prefix(comma + 1);
  }
  return out;
}

bool one_of(const std::string& name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<PgType> numeric_with(std::int64_t precision, std::int64_t scale) {
  if (precision < 1 || precision > 1000 || scale < 0 || scale > precision) return std::nullopt;
  return make_pg_type(TargetKind::kNumeric, -1, static_cast<std::int32_t>(precision),
                      static_cast<std::int32_t>(scale));
}

std::optional<PgType> varchar_with(std::int64_t length) {
  if (length < 1 || length > 10485760) return std::nullopt;
  return make_pg_type(TargetKind::kVarchar, static_cast<std::int32_t>(length));
}

// Parses one identifier of a --cast spec starting at `at`; advances `at`.
Result<std::string> cast_identifier(std::string_view spec, std::size_t& at) {
  std::string out;
  if (at < spec.size() && spec[at] == '"') {
    ++at;
    while (true) {
      if (at >= spec.size()) return fail(ErrorKind::kUsage, "unterminated quoted name");
      if (spec[at] == '"') {
        if (at + 1 < spec.size() && spec[at + 1] == '"') {
          out += '"';
          at += 2;
          continue;
        }
        ++at;
        break;
      }
      out += spec[at++];
    }
    return out;
  }
  while (at < spec.size() && spec[at] != '.' && spec[at] != '=') out += spec[at++];
  std::string_view trimmed = trim(out);
  if (trimmed.empty()) return fail(ErrorKind::kUsage, "empty name");
  return std::string(trimmed);
}

// Each kind's name and OID without modifiers, in TargetKind's order (checked below).
struct BuiltinType {
  TargetKind kind;
  std::string_view sql;
  std::uint32_t oid;
};
constexpr BuiltinType kBuiltinTypes[] = {
    {TargetKind::kInt2, "smallint", 21},
    {TargetKind::kInt4, "integer", 23},
    {TargetKind::kInt8, "bigint", 20},
    {TargetKind::kFloat8, "double precision", 701},
    {TargetKind::kNumeric, "numeric", 1700},
    {TargetKind::kText, "text", 25},
    {TargetKind::kVarchar, "character varying", 1043},
    {TargetKind::kBytea, "bytea", 17},
    {TargetKind::kBool, "boolean", 16},
    {TargetKind::kDate, "date", 1082},
    {TargetKind::kTimestamp, "timestamp without time zone", 1114},
    {TargetKind::kTimestamptz, "timestamp with time zone", 1184},
    {TargetKind::kJson, "json", 114},
    {TargetKind::kJsonb, "jsonb", 3802},
    {TargetKind::kUuid, "uuid", 2950},
};
constexpr bool builtin_types_in_kind_order() {
  for (std::size_t i = 0; i < std::size(kBuiltinTypes); ++i) {
    if (static_cast<std::size_t>(kBuiltinTypes[i].kind) != i) return false;
  }
  return std::size(kBuiltinTypes) == static_cast<std::size_t>(TargetKind::kUuid) + 1;
}
static_assert(builtin_types_in_kind_order());

}  // namespace

PgType make_pg_type(TargetKind kind, std::int32_t length, std::int32_t precision,
                    std::int32_t scale) {
  const BuiltinType& builtin = kBuiltinTypes[static_cast<std::size_t>(kind)];
  PgType type;
  type.kind = kind;
  type.sql = builtin.sql;
  type.oid = builtin.oid;
  if (kind == TargetKind::kNumeric && precision > 0) {
    type.precision = precision;
    type.scale = std::max(scale, 0);
    type.sql = "numeric(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
  }
  if (kind == TargetKind::kVarchar && length > 0) {
    type.length = length;
    type.sql = "varchar(" + std::to_string(length) + ")";
  }
  return type;
}

Affinity affinity_of(std::string_view declared) {
  std::string name = ascii_upper(declared);
  if (name.find("INT") != std::string::npos) return Affinity::kInteger;
  if (name.find("CHAR") != std::string::npos || name.find("CLOB") != std::string::npos ||
      name.find("TEXT") != std::string::npos) {
    return Affinity::kText;
  }
  if (name.find("BLOB") != std::string::npos || trim(name).empty()) return Affinity::kBlob;
  if (name.find("REAL") != std::string::npos || name.find("FLOA") != std::string::npos ||
      name.find("DOUB") != std::string::npos) {
    return Affinity::kReal;
  }
  return Affinity::kNumeric;
}

std::string_view affinity_name(Affinity affinity) {
  switch (affinity) {
    case Affinity::kInteger:
      return "INTEGER";
    case Affinity::kText:
      return "TEXT";
    case Affinity::kBlob:
      return "BLOB";
    case Affinity::kReal:
      return "REAL";
    case Affinity::kNumeric:
      return "NUMERIC";
  }
  return "?";
}

TypeMapping map_declared_type(std::string_view declared, const TypeMappingOptions& options) {
  TypeMapping out;
  out.declared = std::string(declared);
  out.affinity = affinity_of(declared);
  DeclaredType parsed = split_declared(declared);
  const std::string& name = parsed.name;
  auto set = [&](TargetKind kind) { out.type = make_pg_type(kind); };

  if (one_of(name, {"INTEGER", "BIGINT", "INT8", "UNSIGNED BIG INT"})) {
    set(TargetKind::kInt8);
  } else if (one_of(name, {"INT", "INT4", "MEDIUMINT"})) {
    set(TargetKind::kInt4);
  } else if (one_of(name, {"SMALLINT", "INT2", "TINYINT"})) {
    set(TargetKind::kInt2);
  } else if (one_of(name, {"NUMERIC", "DECIMAL"})) {
    set(TargetKind::kNumeric);
    if (parsed.has_args) {
      std::optional<PgType> constrained;
      if (parsed.args_valid && parsed.args.size() == 1) {
        constrained = numeric_with(parsed.args[0], 0);
      } else if (parsed.args_valid && parsed.args.size() == 2) {
        constrained = numeric_with(parsed.args[0], parsed.args[1]);
      }
      if (constrained) {
        out.type = *constrained;
      } else {
        out.note = "precision/scale of " + out.declared + " not valid in PostgreSQL: numeric";
      }
    }
  } else if (one_of(name, {"VARCHAR", "CHARACTER VARYING", "NVARCHAR", "VARYING CHARACTER",
                           "NATIVE CHARACTER", "CHAR", "CHARACTER", "NCHAR"})) {
    set(TargetKind::kText);
    if (parsed.has_args) {
      std::optional<PgType> limited;
      if (parsed.args_valid && parsed.args.size() == 1) limited = varchar_with(parsed.args[0]);
      if (limited) {
        out.type = *limited;
      } else {
        out.note = "length of " + out.declared + " not valid in PostgreSQL: text";
      }
    }
  } else if (one_of(name, {"BOOLEAN", "BOOL"})) {
    set(TargetKind::kBool);
  } else if (name == "DATE") {
    set(TargetKind::kDate);
  } else if (one_of(name, {"DATETIME", "TIMESTAMP", "TIMESTAMP WITHOUT TIME ZONE"})) {
    set(options.timestamptz && name != "TIMESTAMP WITHOUT TIME ZONE" ? TargetKind::kTimestamptz
                                                                     : TargetKind::kTimestamp);
  } else if (one_of(name, {"TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"})) {
    set(TargetKind::kTimestamptz);
  } else if (one_of(name, {"JSON", "JSONB"})) {
    set(TargetKind::kJsonb);
  } else if (name == "UUID") {
    set(TargetKind::kUuid);
  } else {
    switch (out.affinity) {
      case Affinity::kInteger:
        set(TargetKind::kInt8);
        break;
      case Affinity::kText:
        set(TargetKind::kText);
        break;
      case Affinity::kBlob:
        set(TargetKind::kBytea);
        if (name.empty()) {
          out.note =
              "no declared type (BLOB affinity): bytea; --cast it if it holds numbers or text";
        }
        break;
      case Affinity::kReal:
        set(TargetKind::kFloat8);
        break;
      case Affinity::kNumeric:
        if (one_of(name, {"TIME", "STRING"})) {
          set(TargetKind::kText);
          out.note = "declared " + out.declared + " (NUMERIC affinity) mapped to text";
        } else {
          set(TargetKind::kNumeric);
          out.note =
              "unknown declared type " + out.declared + " (NUMERIC affinity) mapped to numeric";
        }
        break;
    }
  }
  return out;
}

Result<PgType> parse_pg_type(std::string_view text) {
  DeclaredType parsed = split_declared(text);
  const std::string& name = parsed.name;
  auto unsupported = [&]() {
    return fail(
        ErrorKind::kUsage,
        "unsupported target type '" + std::string(trim(text)) +
            "' (supported: smallint, integer, bigint, double precision, numeric(p,s), text, "
            "varchar(n), bytea, boolean, date, timestamp, timestamptz, json, jsonb, uuid)");
  };
  if (parsed.has_args && !parsed.args_valid) return unsupported();
  auto no_args = [&](TargetKind kind) -> Result<PgType> {
    if (parsed.has_args) return unsupported();
    return make_pg_type(kind);
  };
  if (one_of(name, {"SMALLINT", "INT2"})) return no_args(TargetKind::kInt2);
  if (one_of(name, {"INTEGER", "INT", "INT4"})) return no_args(TargetKind::kInt4);
  if (one_of(name, {"BIGINT", "INT8"})) return no_args(TargetKind::kInt8);
  if (one_of(name, {"DOUBLE PRECISION", "FLOAT8", "FLOAT"})) return no_args(TargetKind::kFloat8);
  if (one_of(name, {"TEXT"})) return no_args(TargetKind::kText);
  if (one_of(name, {"BYTEA"})) return no_args(TargetKind::kBytea);
  if (one_of(name, {"BOOLEAN", "BOOL"})) return no_args(TargetKind::kBool);
  if (one_of(name, {"DATE"})) return no_args(TargetKind::kDate);
  if (one_of(name, {"TIMESTAMP", "TIMESTAMP WITHOUT TIME ZONE"})) {
    return no_args(TargetKind::kTimestamp);
  }
  if (one_of(name, {"TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"})) {
    return no_args(TargetKind::kTimestamptz);
  }
  if (name == "JSON") return no_args(TargetKind::kJson);
  if (name == "JSONB") return no_args(TargetKind::kJsonb);
  if (name == "UUID") return no_args(TargetKind::kUuid);
  if (one_of(name, {"NUMERIC", "DECIMAL"})) {
    if (!parsed.has_args) return make_pg_type(TargetKind::kNumeric);
    std::optional<PgType> type;
    if (parsed.args.size() == 1) type = numeric_with(parsed.args[0], 0);
    if (parsed.args.size() == 2) type = numeric_with(parsed.args[0], parsed.args[1]);
    if (!type) return unsupported();
    return *type;
  }
  if (one_of(name, {"VARCHAR", "CHARACTER VARYING"})) {
    if (!parsed.has_args) return make_pg_type(TargetKind::kVarchar);
    std::optional<PgType> type;
    if (parsed.args.size() == 1) type = varchar_with(parsed.args[0]);
    if (!type) return unsupported();
    return *type;
  }
  return unsupported();
}

Result<CastOverride> parse_cast_override(std::string_view spec) {
  auto bad = [&](const std::string& why) {
    return fail(ErrorKind::kUsage,
                "--cast '" + std::string(spec) + "': " + why + " (expected table.column=type)");
  };
  std::size_t at = 0;
  auto table = cast_identifier(spec, at);
  if (!table) return bad(table.error().message);
  if (at >= spec.size() || spec[at] != '.') return bad("missing '.' between table and column");
  ++at;
  auto column = cast_identifier(spec, at);
  if (!column) return bad(column.error().message);
  while (at < spec.size() && std::isspace(static_cast<unsigned char>(spec[at]))) ++at;
  if (at >= spec.size() || spec[at] != '=') return bad("missing '='");
  auto type = parse_pg_type(spec.substr(at + 1));
  if (!type) return bad(type.error().message);
  return CastOverride{std::move(*table), std::move(*column), std::move(*type)};
}

const CastOverride* find_override(const std::vector<CastOverride>& overrides,
                                  std::string_view table, std::string_view column) {
  for (const auto& entry : overrides) {
    if (iequals(entry.table, table) && iequals(entry.column, column)) return &entry;
  }
  return nullptr;
}

}  // namespace pgshift::sqlite
