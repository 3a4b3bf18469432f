#include "verify/report.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

namespace pgshift::verify {

std::string now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[96];  // room for any int in every field, so nothing can be cut
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(millis));
  return text;
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

namespace {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out += json_escape(text);
  out += '"';
  return out;
}

std::string string_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quoted(items[i]);
  return out + "]";
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

}  // namespace

std::string to_json(const Report& report) {
  std::string out = "{\n";
  out += "  \"command\": " + quoted(report.command) + ",\n";
  out += "  \"started_at\": " + quoted(report.started_at) + ",\n";
  out += "  \"finished_at\": " + quoted(report.finished_at) + ",\n";
  out += "  \"status\": " + quoted(report.status) + ",\n";
  out += "  \"exit_code\": " + std::to_string(report.exit_code) + ",\n";
  out += "  \"source\": " + quoted(report.source) + ",\n";
  out += "  \"target\": " + quoted(report.target) + ",\n";
  out += "  \"verify\": " + quoted(report.verify_mode) + ",\n";
  out += "  \"seconds\": " + number(report.seconds) + ",\n";
  if (!report.error.empty()) out += "  \"error\": " + quoted(report.error) + ",\n";
  out += "  \"warnings\": " + string_list(report.warnings) + ",\n";
  out += "  \"tables\": [";
  for (std::size_t t = 0; t < report.tables.size(); ++t) {
    const auto& table = report.tables[t];
    out += t ? ",\n    {" : "\n    {";
    out += "\"schema\": " + quoted(table.schema) + ", \"name\": " + quoted(table.name) +
           ", \"rows_source\": " + std::to_string(table.rows_source) +
           ", \"rows_target\": " + std::to_string(table.rows_target) +
           ", \"bytes\": " + std::to_string(table.bytes) +
           ", \"chunks_total\": " + std::to_string(table.chunks_total) +
           ", \"chunks_verified\": " + std::to_string(table.chunks_verified) +
           ", \"seconds\": " + number(table.seconds) + ", \"notes\": " + string_list(table.notes) +
           ", \"mismatches\": [";
    for (std::size_t m = 0; m < table.mismatches.size(); ++m) {
      const auto& mismatch = table.mismatches[m];
      out += (m ? ", " : "") + std::string("{\"chunk\": ") + std::to_string(mismatch.chunk) +
             ", \"key_range\": " + quoted(mismatch.key_range) +
             ", \"kind\": " + quoted(mismatch.kind) + ", \"keys\": " + string_list(mismatch.keys) +
             ", \"columns\": " + string_list(mismatch.columns) +
             ", \"detail\": " + quoted(mismatch.detail) + "}";
    }
    out += "]}";
  }
  out += report.tables.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

std::string to_human(const Report& report) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-40s %12s %12s %10s %9s %8s  %s\n", "table", "rows source",
                "rows target", "MB", "verified", "seconds", "status");
  out += line;
  long long rows = 0, bytes = 0;
  for (const auto& table : report.tables) {
    std::string name = table.schema + "." + table.name;
    if (name.size() > 40) name = name.substr(0, 37) + "...";
    std::string verified =
        std::to_string(table.chunks_verified) + "/" + std::to_string(table.chunks_total);
    std::snprintf(line, sizeof line, "%-40s %12lld %12lld %10.1f %9s %8.1f  %s\n", name.c_str(),
                  table.rows_source, table.rows_target, table.bytes / 1048576.0, verified.c_str(),
                  table.seconds, table.mismatches.empty() ? "ok" : "DIFFERENT");
    out += line;
    rows += table.rows_source;
    bytes += table.bytes;
    for (const auto& mismatch : table.mismatches) {
      std::string keys;
      for (std::size_t k = 0; k < mismatch.keys.size() && k < 10; ++k) {
        keys += (k ? ", " : "") + mismatch.keys[k];
      }
      if (mismatch.keys.size() > 10) keys += ", ...";
      out += "    " + mismatch.kind + " " + mismatch.key_range +
             (keys.empty() ? "" : " keys: " + keys) +
             (mismatch.detail.empty() ? "" : " (" + mismatch.detail + ")") + "\n";
    }
  }
  std::snprintf(line, sizeof line, "%zu tables, %lld rows, %.1f MB in %.1f s: %s\n",
                report.tables.size(), rows, bytes / 1048576.0, report.seconds,
                report.status.c_str());
  out += line;
  for (const auto& warning : report.warnings) out += "warning: " + warning + "\n";
  return out;
}

Status write_report_file(const Report& report, const std::string& path) {
  std::ofstream file(path, std::ios::trunc);
  if (!file) return fail(ErrorKind::kRuntime, "cannot write report to " + path);
  file << to_json(report);
  if (!file) return fail(ErrorKind::kRuntime, "cannot write report to " + path);
  return {};
}

}  // namespace pgshift::verify
