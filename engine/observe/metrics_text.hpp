// Builds a page in the Prometheus text exposition format (version 0.0.4). Pure: no I/O, no
// clock, not thread-safe (one builder per page). Samples of one metric name are grouped under a
// single "# HELP" / "# TYPE" pair in the order the names first appear; the help text and type
// come from the first call for that name. Help text and label values are escaped as the format
// requires (\\, \n, and \" in label values). Metric and label names are expected to be valid
// ([a-zA-Z_:][a-zA-Z0-9_:]*, labels without ':'); any other character becomes '_' so the page
// always parses. Values: integers are written exactly (an LSN fits), doubles in their shortest
// round-trip form, NaN and infinities as NaN, +Inf, -Inf.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgshift {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;  // name, value

// A sample value already in its text form.
class MetricValue {
 public:
  MetricValue(double value);
  template <std::integral T>
  MetricValue(T value) : text_(std::to_string(value)) {}
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

class MetricsText {
 public:
  MetricsText& gauge(std::string_view name, std::string_view help, MetricValue value,
                     const MetricLabels& labels = {});
  MetricsText& counter(std::string_view name, std::string_view help, MetricValue value,
                       const MetricLabels& labels = {});
  // The whole page; ends with a newline unless empty.
  std::string str() const;

 private:
  struct Family {
    std::string name, help, type;
    std::vector<std::string> samples;  // "name{labels} value"
  };
  MetricsText& add(std::string_view type, std::string_view name, std::string_view help,
                   const MetricValue& value, const MetricLabels& labels);
  std::vector<Family> families_;
};

// Escaping as the format defines it (exposed for tests).
std::string escape_metric_help(std::string_view help);
std::string escape_label_value(std::string_view value);

}  // namespace pgshift
