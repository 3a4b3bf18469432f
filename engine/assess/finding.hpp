// What an assessment says about a migration, one item at a time: a blocker (pgshift refuses, exit
// 2, before any write), a warning (the migration runs, but something needs the user's attention) or
// information. Every item carries a stable code for reports and a one-line fix. Plain values.
#pragma once

#include <string>
#include <vector>

namespace pgshift::assess {

enum class Severity { kBlocker, kWarning, kInfo };

struct Finding {
  Severity severity = Severity::kWarning;
  std::string code;     // stable, snake_case: "target_not_empty", "extension_missing", ...
  std::string message;  // one line: what is wrong, naming the objects
  std::string fix;      // one line: how to fix it

  // "message; fix": how migrate words a blocker it refuses on.
  std::string refusal() const { return fix.empty() ? message : message + "; " + fix; }
};

inline Finding blocker(std::string code, std::string message, std::string fix) {
  return Finding{Severity::kBlocker, std::move(code), std::move(message), std::move(fix)};
}
inline Finding warning(std::string code, std::string message, std::string fix) {
  return Finding{Severity::kWarning, std::move(code), std::move(message), std::move(fix)};
}

inline const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::kBlocker:
      return "blocker";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "info";
  }
  return "info";
}

inline bool has_blocker(const std::vector<Finding>& findings) {
  for (const auto& finding : findings) {
    if (finding.severity == Severity::kBlocker) return true;
  }
  return false;
}

// "a, b, c and 4 more": names in messages, at most `shown` of them.
std::string name_list(const std::vector<std::string>& names, std::size_t shown = 8);

// An identifier as SQL in a fix line: quoted only when it needs to be ("uuid-ossp", "Orders").
std::string sql_name(const std::string& name);
// "schema.table" as SQL.
std::string sql_table(const std::string& schema, const std::string& name);

}  // namespace pgshift::assess
