#include "engine/assess/report_parts.hpp"

#include <cstdio>

#include "engine/assess/checks.hpp"
#include "engine/migrate/progress.hpp"
#include "verify/report.hpp"

namespace pgshift::assess {

std::string json_quoted(std::string_view text) {
  // Appended piece by piece: `"\"" + std::string&&` trips GCC 12's -Wrestrict false positive.
  std::string out(1, '"');
  out += verify::json_escape(text);
  out += '"';
  return out;
}

std::string json_number(double value, int decimals) {
  char text[40];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string json_strings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + json_quoted(items[i]);
  return out + "]";
}

std::string report_header_json(const ReportRun& run, const std::string& source_display,
                               const std::string& target_display) {
  std::string out = "  \"command\": \"plan\",\n";
  out += "  \"started_at\": " + json_quoted(run.started_at) + ",\n";
  out += "  \"finished_at\": " + json_quoted(run.finished_at) + ",\n";
  out += "  \"status\": " + json_quoted(run.status) + ",\n";
  out += "  \"exit_code\": " + std::to_string(run.exit_code) + ",\n";
  if (!run.error.empty()) out += "  \"error\": " + json_quoted(run.error) + ",\n";
  out += "  \"source\": " + json_quoted(source_display) + ",\n";
  out += "  \"target\": " + json_quoted(target_display) + ",\n";
  return out;
}

std::string server_line(const char* label, const std::string& display, const ServerFacts& server,
                        const Detection& provider) {
  std::string out = std::string(label) + "  " + display + "  PostgreSQL " +
                    version_text(server.version_num) + ", " + provider_name(provider.provider);
  if (!provider.evidence.empty()) out += " (" + provider.evidence + ")";
  out += ", user " + server.user + (server.superuser ? " (superuser)" : "") + "\n";
  return out;
}

std::string server_json(const ServerFacts& s, const Detection& provider) {
  return "{\"version\": " + json_quoted(version_text(s.version_num)) +
         ", \"provider\": " + json_quoted(provider_name(provider.provider)) +
         ", \"provider_evidence\": " + json_quoted(provider.evidence) +
         ", \"user\": " + json_quoted(s.user) +
         ", \"superuser\": " + (s.superuser ? "true" : "false") + "}";
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

std::string findings_json(const std::vector<Finding>& findings, Severity severity) {
  std::string out = "[";
  bool first = true;
  for (const auto& finding : findings) {
    if (finding.severity != severity) continue;
    out += (first ? "\n    " : ",\n    ") + std::string("{\"code\": ") + json_quoted(finding.code) +
           ", \"message\": " + json_quoted(finding.message) +
           ", \"fix\": " + json_quoted(finding.fix) + "}";
    first = false;
  }
  return out + (first ? "]" : "\n  ]");
}

std::string estimate_text(const Estimate& e, const std::string& sample_line) {
  std::string out = "  estimated migrate time: " + json_number(e.seconds, 1) + " s" +
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
                "table data); index builds %.0f MB/s (assumed)\n",
                e.measured ? "measured" : "assumed", e.read_mb_s, e.write_mb_s, e.readback_mb_s,
                e.index_mb_s);
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

std::string estimate_json_fields(const Estimate& e, int jobs) {
  return "\"seconds\": " + json_number(e.seconds, 1) +
         ", \"setup_seconds\": " + json_number(e.setup_seconds, 1) +
         ", \"copy_seconds\": " + json_number(e.copy_seconds, 1) +
         ", \"verify_seconds\": " + json_number(e.verify_seconds, 1) +
         ", \"index_seconds\": " + json_number(e.index_seconds, 1) +
         ", \"finish_seconds\": " + json_number(e.finish_seconds, 1) +
         ", \"read_mb_s\": " + json_number(e.read_mb_s, 1) +
         ", \"write_mb_s\": " + json_number(e.write_mb_s, 1) +
         ", \"readback_mb_s\": " + json_number(e.readback_mb_s, 1) +
         ", \"index_mb_s\": " + json_number(e.index_mb_s, 1) +
         ", \"jobs\": " + std::to_string(jobs) + ", \"streams\": " + std::to_string(e.streams) +
         ", \"efficiency\": " + json_number(e.efficiency, 2) +
         ", \"shared_cores\": " + std::to_string(e.shared_cores) +
         ", \"measured\": " + (e.measured ? "true" : "false") +
         ", \"notes\": " + json_strings(e.notes);
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
