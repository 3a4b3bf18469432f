// The run report: JSON escaping, the CLI.md fields of the JSON document (and that it is valid JSON
// whatever the names contain), the human summary naming mismatches, and writing the file.
#include "verify/report.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

namespace pgshift::verify {
namespace {

// A strict JSON syntax checker (RFC 8259), enough to prove the report parses.
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view text) : text_(text) {}
  bool valid() {
    skip_space();
    if (!value()) return false;
    skip_space();
    return at_ == text_.size();
  }

 private:
  bool value() {
    skip_space();
    if (at_ >= text_.size()) return false;
    char c = text_[at_];
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '"') return string();
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return number();
    for (std::string_view word : {"true", "false", "null"}) {
      if (text_.substr(at_, word.size()) == word) {
        at_ += word.size();
        return true;
      }
    }
    return false;
  }
  bool object() {
    ++at_;
    skip_space();
    if (peek('}')) return ++at_, true;
    while (true) {
      skip_space();
      if (!string()) return false;
      skip_space();
      if (!peek(':')) return false;
      ++at_;
      if (!value()) return false;
      skip_space();
      if (peek('}')) return ++at_, true;
      if (!peek(',')) return false;
      ++at_;
    }
  }
  bool array() {
    ++at_;
    skip_space();
    if (peek(']')) return ++at_, true;
    while (true) {
      if (!value()) return false;
      skip_space();
      if (peek(']')) return ++at_, true;
      if (!peek(',')) return false;
      ++at_;
    }
  }
  bool string() {
    if (!peek('"')) return false;
    for (++at_; at_ < text_.size(); ++at_) {
      auto c = static_cast<unsigned char>(text_[at_]);
      if (c == '"') return ++at_, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++at_ >= text_.size()) return false;
        char e = text_[at_];
        if (e == 'u') {
          for (int i = 0; i < 4; ++i) {
            if (++at_ >= text_.size() || !std::isxdigit(static_cast<unsigned char>(text_[at_]))) {
              return false;
            }
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    static const std::regex pattern(R"(^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
    std::string rest(text_.substr(at_, 64));
    std::smatch match;
    if (!std::regex_search(rest, match, pattern) || match.length(0) == 0) return false;
    at_ += static_cast<std::size_t>(match.length(0));
    return true;
  }
  bool peek(char c) const { return at_ < text_.size() && text_[at_] == c; }
  void skip_space() {
    while (at_ < text_.size() &&
           std::string_view(" \t\r\n").find(text_[at_]) != std::string_view::npos) {
      ++at_;
    }
  }
  std::string_view text_;
  std::size_t at_ = 0;
};

TEST(JsonChecker, SelfTest) {
  EXPECT_TRUE(JsonChecker(R"({"a": [1, -2.5, "x\n", true, null], "b": {}})").valid());
  EXPECT_FALSE(JsonChecker(R"({"a": [1,]})").valid());
  EXPECT_FALSE(JsonChecker("{\"a\": \"x\ny\"}").valid());
  EXPECT_FALSE(JsonChecker(R"({"a": "\q"})").valid());
  EXPECT_FALSE(JsonChecker(R"({"a": 01})").valid());
  EXPECT_FALSE(JsonChecker(R"({"a": 1} x)").valid());
}

TEST(JsonEscape, QuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_escape("plain"), "plain");
  EXPECT_EQ(json_escape("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(json_escape("C:\\dir\\"), "C:\\\\dir\\\\");
  EXPECT_EQ(json_escape("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(json_escape(std::string_view("\x01\x1f\b\f", 4)), "\\u0001\\u001f\\b\\f");
  EXPECT_EQ(json_escape(std::string_view("a\0b", 3)), "a\\u0000b");
  EXPECT_EQ(json_escape("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac") << "UTF-8 kept";
  EXPECT_EQ(json_escape("</script>"), "</script>");
  for (int c = 0; c < 0x20; ++c) {
    std::string escaped = "\"";
    escaped += json_escape(std::string(1, static_cast<char>(c)));
    escaped += '"';
    EXPECT_TRUE(JsonChecker(escaped).valid()) << "control character " << c;
  }
}

Report sample_report() {
  Report report;
  report.command = "migrate";
  report.started_at = "2025-11-22T02:50:01.123Z";
  report.finished_at = "2025-11-22T02:51:13.456Z";
  report.status = "differences";
  report.exit_code = 1;
  report.source = "alice@source:5432/shop";
  report.target = "bob@target:5432/shop";
  report.verify_mode = "full";
  report.seconds = 72.333;
  report.warnings = {"2 tables without a key copied by ctid"};

  ReportTable orders;
  orders.schema = "shop";
  orders.name = "orders";
  orders.rows_source = 1000000;
  orders.rows_target = 999998;
  orders.bytes = 734003200;
  orders.chunks_total = 12;
  orders.chunks_verified = 11;
  orders.seconds = 40.5;
  ReportMismatch missing;
  missing.chunk = 3;
  missing.key_range = "[250000, 500000)";
  missing.kind = "missing";
  missing.keys = {"250017", "250018"};
  orders.mismatches.push_back(missing);
  ReportMismatch changed;
  changed.chunk = 7;
  changed.key_range = "[\"eu\", \"us\")";
  changed.kind = "changed";
  changed.keys = {"(\"eu\",5)"};
  changed.columns = {"total"};
  changed.detail = "digest differs";
  orders.mismatches.push_back(changed);
  report.tables.push_back(orders);

  ReportTable users;
  users.schema = "public";
  users.name = "users";
  users.rows_source = users.rows_target = 42;
  users.bytes = 8192;
  users.chunks_total = users.chunks_verified = 1;
  users.seconds = 0.25;
  report.tables.push_back(users);
  return report;
}

TEST(ToJson, HasTheFieldsCliMdPromises) {
  auto json = to_json(sample_report());
  for (const char* field : {
           R"("command": "migrate")",
           R"("started_at": "2025-11-22T02:50:01.123Z")",
           R"("finished_at": "2025-11-22T02:51:13.456Z")",
           R"("status": "differences")",
           R"("exit_code": 1)",
           R"("source": "alice@source:5432/shop")",
           R"("verify": "full")",
           R"("schema": "shop")",
           R"("name": "orders")",
           R"("rows_source": 1000000)",
           R"("rows_target": 999998)",
           R"("bytes": 734003200)",
           R"("chunks_total": 12)",
           R"("chunks_verified": 11)",
           R"("seconds": 40.5)",
           R"("chunk": 3)",
           R"j("key_range": "[250000, 500000)")j",
           R"("kind": "missing")",
           R"("keys": ["250017", "250018"])",
           R"("kind": "changed")",
           R"j("keys": ["(\"eu\",5)"])j",
           R"("columns": ["total"])",
           R"("name": "users")",
           R"("mismatches": [])",
           R"("warnings": ["2 tables without a key copied by ctid"])",
       }) {
    EXPECT_NE(json.find(field), std::string::npos) << field << "\n" << json;
  }
  EXPECT_EQ(json.find("\"error\""), std::string::npos) << "no error member when there is none";
}

TEST(ToJson, IsValidJson) {
  auto report = sample_report();
  EXPECT_TRUE(JsonChecker(to_json(report)).valid()) << to_json(report);
  report.error = "connection lost: \"server closed\"\n\tretry";
  report.tables[0].name = "we\"ird\\name\x01";
  report.tables[0].notes = {"column \"x\" differs"};
  auto json = to_json(report);
  EXPECT_TRUE(JsonChecker(json).valid()) << json;
  EXPECT_NE(json.find(R"("error": "connection lost: \"server closed\"\n\tretry")"),
            std::string::npos)
      << json;
  Report empty;
  EXPECT_TRUE(JsonChecker(to_json(empty)).valid()) << to_json(empty);
  EXPECT_NE(to_json(empty).find(R"("tables": [])"), std::string::npos) << to_json(empty);
}

// Names and messages come from databases and servers: bytes that are not UTF-8 are replaced (a
// JSON parser would refuse the document), and a rate or duration that is NaN or infinite becomes
// null (JSON has no nan/inf).
TEST(ToJson, InvalidUtf8AndNonFiniteNumbersStillMakeValidJson) {
  auto report = sample_report();
  report.tables[0].name = "bad\xff\xfe name";
  report.tables[0].mismatches[0].keys = {"(\xc3\x28)"};
  report.error = "server said \xe2\x82";
  report.seconds = std::numeric_limits<double>::quiet_NaN();
  report.tables[1].seconds = std::numeric_limits<double>::infinity();
  auto json = to_json(report);
  EXPECT_TRUE(JsonChecker(json).valid()) << json;
  EXPECT_EQ(json.find("nan"), std::string::npos) << json;
  EXPECT_EQ(json.find("inf"), std::string::npos) << json;
  EXPECT_NE(json.find("\"seconds\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"name\": \"bad\xef\xbf\xbd\xef\xbf\xbd name\""), std::string::npos) << json;
  EXPECT_TRUE(nlohmann::json::accept(json)) << json;
  EXPECT_EQ(nlohmann::json::parse(json)["tables"][0]["schema"], "shop");
}

TEST(JsonEscape, ReplacesInvalidUtf8) {
  EXPECT_EQ(json_escape("a\xff"
                        "b"),
            "a\xef\xbf\xbd"
            "b");
}

TEST(ToHuman, LargeObjectsAreCountedApartFromTables) {
  Report report = sample_report();
  ReportTable objects;
  objects.schema = "pg_catalog";
  objects.name = "pg_largeobject";
  objects.rows_source = objects.rows_target = 3;
  report.tables.push_back(objects);
  auto text = to_human(report);
  EXPECT_NE(text.find("2 tables, 1000042 rows, 3 large objects"), std::string::npos) << text;
}

TEST(ToHuman, ListsTablesAndNamesMismatches) {
  auto text = to_human(sample_report());
  EXPECT_NE(text.find("shop.orders"), std::string::npos) << text;
  EXPECT_NE(text.find("public.users"), std::string::npos) << text;
  EXPECT_NE(text.find("11/12"), std::string::npos) << text;
  EXPECT_NE(text.find("missing [250000, 500000) keys: 250017, 250018"), std::string::npos) << text;
  EXPECT_NE(text.find("changed [\"eu\", \"us\") keys: (\"eu\",5) (digest differs)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("2 tables, 1000042 rows"), std::string::npos) << text;
  EXPECT_NE(text.find("differences"), std::string::npos) << text;
  EXPECT_NE(text.find("warning: 2 tables without a key copied by ctid"), std::string::npos) << text;

  // The orders row says DIFFERENT, the users row ok.
  std::istringstream lines(text);
  bool saw_orders = false, saw_users = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("shop.orders")) {
      saw_orders = true;
      EXPECT_NE(line.find("DIFFERENT"), std::string::npos) << line;
    }
    if (line.starts_with("public.users")) {
      saw_users = true;
      EXPECT_TRUE(line.ends_with("ok")) << line;
    }
  }
  EXPECT_TRUE(saw_orders && saw_users) << text;
}

TEST(ToHuman, LongKeyListsAreCut) {
  auto report = sample_report();
  report.tables[0].mismatches[0].keys.clear();
  for (int i = 0; i < 25; ++i) {
    std::string key = "k";
    key += std::to_string(i);
    report.tables[0].mismatches[0].keys.push_back(key);
  }
  auto text = to_human(report);
  EXPECT_NE(text.find("k9, ..."), std::string::npos) << text;
  EXPECT_EQ(text.find("k10"), std::string::npos) << text;
}

TEST(NowIso8601, IsUtcWithMilliseconds) {
  EXPECT_TRUE(
      std::regex_match(now_iso8601(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << now_iso8601();
}

TEST(WriteReportFile, WritesTheJsonAndReportsFailure) {
  auto path = std::filesystem::path(::testing::TempDir()) / "pgshift_report_test.json";
  auto report = sample_report();
  ASSERT_TRUE(write_report_file(report, path.string()));
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  EXPECT_EQ(content.str(), to_json(report));
  std::filesystem::remove(path);

  auto failed = write_report_file(report, "/nonexistent-dir/for/sure/report.json");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, ErrorKind::kRuntime);
}

}  // namespace
}  // namespace pgshift::verify
