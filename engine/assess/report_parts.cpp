#include "engine/assess/report_parts.hpp"

#include <cstdio>

#include "engine/assess/checks.hpp"
#include "engine/migrate/progress.hpp"

namespace pgshift::assess {

using verify::Json;
using verify::json_number;
using verify::json_strings;

void add_report_header(Json& out, const ReportRun& run, const std::string& source_display,
                       const std::string& target_display) {
  out["command"] = "plan";
  out["started_at"] = run.started_at;
  out["finished_at"] = run.finished_at;
  out["status"] = run.status;
  out["exit_code"] = run.exit_code;
  if (!run.error.empty()) out["error"] = run.error;
  out["source"] = source_display;
  out["target"] = target_display;
}

std::string server_line(const char* label, const std::string& display, const ServerFacts& server,
                        const Detection& provider) {
  std::string out = std::string(label) + "  " + display + "  PostgreSQL " +
                    version_text(server.version_num) + ", " + provider_name(provider.provider);
  if (!provider.evidence.empty()) out += " (" + provider.evidence + ")";
  out += ", user " + server.user + (server.superuser ? " (superuser)" : "") + "\n";
  return out;
}

Json server_json(const ServerFacts& s, const Detection& provider) {
  return Json::object({{"version", version_text(s.version_num)},
                       {"provider", provider_name(provider.provider)},
                       {"provider_evidence", provider.evidence},
                       {"user", s.user},
                       {"superuser", s.superuser}});
}

std::string bytes_text(std::int64_t value) {
  return format_bytes(static_cast<double>(value));
}

void append_findings_section(std::string& out, const std::vector<Finding>& findings,
                             Severity severity, const char* title) {
  out += std::string("\n") + title + "\n";
  int shown = 0;
  for (const auto& finding : findings) {
    if (finding.severity != severity &&
        !(severity == Severity::kWarning && finding.severity == Severity::kInfo)) {
      continue;
    }
    out += (finding.severity == Severity::kInfo ? "  note: " : "  - ") + finding.message + "\n";
    if (!finding.fix.empty()) out += "      fix: " + finding.fix + "\n";
    ++shown;
  }
  if (shown == 0) out += "  none\n";
}

Json findings_json(const std::vector<Finding>& findings, Severity severity) {
  Json out = Json::array();
  for (const auto& finding : findings) {
    if (finding.severity != severity) continue;
    out.push_back(
        Json::object({{"code", finding.code}, {"message", finding.message}, {"fix", finding.fix}}));
  }
  return out;
}

std::string estimate_text(const Estimate& e, const std::string& sample_line) {
  char seconds[40];
  std::snprintf(seconds, sizeof seconds, "%.1f", e.seconds);
  std::string out = "  estimated migrate time: " + std::string(seconds) + " s" +
                    (e.seconds >= 60 ? " (" + format_duration(e.seconds) + ")" : "") + "\n";
  char line[512];
  std::snprintf(line, sizeof line,
                "    setup %.1f s + copy %.1f s + verification read-back %.1f s + index builds "
                "%.1f s + finishing %.1f s\n",
                e.setup_seconds, e.copy_seconds, e.verify_seconds, e.index_seconds,
                e.finish_seconds);
  out += line;
  std::snprintf(line, sizeof line,
                "    %s: read %.0f MB/s, write %.0f MB/s, read-back %.0f MB/s per stream (MB of "
                "table data); index builds %.0f MB/s (assumed, for a target computing at "
                "%.2fx the calibration machine)\n",
                e.measured ? "measured" : "assumed", e.read_mb_s, e.write_mb_s, e.readback_mb_s,
                e.index_mb_s, e.target_speed);
  out += line;
  if (!sample_line.empty()) out += "    " + sample_line + "\n";
  std::snprintf(line, sizeof line, "    parallel efficiency %.0f%%%s\n", e.efficiency * 100,
                e.shared_cores > 0 ? (", both servers share this machine's " +
                                      std::to_string(e.shared_cores) + " cores")
                                         .c_str()
                                   : "");
  out += line;
  for (const auto& note : e.notes) out += "    note: " + note + "\n";
  return out;
}

Json estimate_json(const Estimate& e, int jobs) {
  return Json::object({{"seconds", json_number(e.seconds, 1)},
                       {"setup_seconds", json_number(e.setup_seconds, 1)},
                       {"copy_seconds", json_number(e.copy_seconds, 1)},
                       {"verify_seconds", json_number(e.verify_seconds, 1)},
                       {"index_seconds", json_number(e.index_seconds, 1)},
                       {"finish_seconds", json_number(e.finish_seconds, 1)},
                       {"read_mb_s", json_number(e.read_mb_s, 1)},
                       {"write_mb_s", json_number(e.write_mb_s, 1)},
                       {"readback_mb_s", json_number(e.readback_mb_s, 1)},
                       {"index_mb_s", json_number(e.index_mb_s, 1)},
                       {"target_speed", json_number(e.target_speed, 2)},
                       {"jobs", jobs},
                       {"streams", e.streams},
                       {"efficiency", json_number(e.efficiency, 2)},
                       {"shared_cores", e.shared_cores},
                       {"measured", e.measured},
                       {"notes", json_strings(e.notes)}});
}

std::string summary_line(const std::vector<Finding>& findings) {
  int blockers = 0, warnings = 0;
  for (const auto& finding : findings) {
    blockers += finding.severity == Severity::kBlocker;
    warnings += finding.severity == Severity::kWarning;
  }
  return std::to_string(blockers) + " blocker" + (blockers == 1 ? "" : "s") + ", " +
         std::to_string(warnings) + " warning" + (warnings == 1 ? "" : "s") + ": " +
         (blockers ? "migrate would refuse (exit 2)" : "ready to migrate") + "\n";
}

}  // namespace pgshift::assess
