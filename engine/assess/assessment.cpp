#include "engine/assess/assessment.hpp"

#include <algorithm>

#include "engine/assess/checks.hpp"
#include "engine/assess/supabase.hpp"

namespace pgshift::assess {
namespace {

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

void add(std::vector<Finding>& out, std::vector<Finding> more) {
  for (auto& finding : more) out.push_back(std::move(finding));
}

void add(std::vector<Finding>& out, std::optional<Finding> more) {
  if (more) out.push_back(std::move(*more));
}

}  // namespace

std::vector<ExtensionFact> extensions_to_create(const std::vector<ExtensionFact>& installed,
                                                const std::vector<std::string>& left_out_schemas) {
  std::vector<ExtensionFact> out;
  for (const auto& extension : installed) {
    if (!contains(left_out_schemas, extension.schema)) out.push_back(extension);
  }
  return out;
}

void judge(Assessment& assessment, const SourceFacts& source, const TargetFacts& target,
           const JudgeOptions& options) {
  std::vector<Finding> findings;
  add(findings, check_versions(source.server.version_num, target.server.version_num));
  if (!options.pg_dump_refusal.empty()) {
    std::string message = options.pg_dump_refusal, fix;
    if (auto semicolon = message.find("; "); semicolon != std::string::npos) {
      fix = message.substr(semicolon + 2);
      message.resize(semicolon);
    }
    findings.push_back({Severity::kBlocker, "pg_dump_too_old", message, fix});
  }
  std::vector<std::pair<std::string, std::string>> source_tables;
  for (const auto& table : source.tables) source_tables.push_back({table.schema, table.name});
  std::vector<std::string> source_schemas;
  if (!options.tables_filtered) source_schemas = assessment.inventory.schemas;
  add(findings, check_target_state(target, source_tables, source_schemas));
  auto used = extensions_to_create(source.inventory.extensions, assessment.left_out.schemas);
  add(findings, check_extensions(used, target, assessment.target_provider.provider));
  add(findings, check_source_privileges(source));
  bool uses_public = std::any_of(source.tables.begin(), source.tables.end(),
                                 [](const TableFacts& table) { return table.schema == "public"; });
  add(findings, check_target_privileges(target, uses_public));
  add(findings, check_binary_io(source.tables));
  add(findings, check_pooler(source.server));
  add(findings, check_retained_wal(source.server));
  add(findings, check_pooler(target.server));
  add(findings, judge_references(source.references));
  add(findings, judge_role_uses(source.policies, source.grants, target.roles, options.keep_owners));
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return static_cast<int>(a.severity) < static_cast<int>(b.severity);
  });
  assessment.findings = std::move(findings);

  assessment.readiness =
      judge_readiness(source.server, assessment.source_provider.provider, source.tables);

  assessment.left_out.extensions.clear();
  for (const auto& extension : source.inventory.extensions) {
    if (contains(assessment.left_out.schemas, extension.schema)) {
      assessment.left_out.extensions.push_back(extension.name + " (" + extension.schema + ")");
    }
  }
  assessment.left_out.roles.clear();
  if (!assessment.left_out.schemas.empty()) {
    for (const auto& role : source.server.known_roles) {
      if (is_supabase_role(role)) assessment.left_out.roles.push_back(role);
    }
  }
}

}  // namespace pgshift::assess
