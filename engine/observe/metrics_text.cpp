#include "engine/observe/metrics_text.hpp"

#include <charconv>
#include <cmath>

namespace pgshift {
namespace {

bool name_char(char c, bool first, bool colon_ok) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (alpha || (colon_ok && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

std::string sanitized_name(std::string_view name, bool colon_ok) {
  if (name.empty()) return "_";
  std::string out(name);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!name_char(out[i], i == 0, colon_ok)) out[i] = '_';
  }
  return out;
}

std::string escaped(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

MetricValue::MetricValue(double value) {
  if (std::isnan(value)) {
    text_ = "NaN";
  } else if (std::isinf(value)) {
    text_ = value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    text_.assign(buffer, end);
  }
}

std::string escape_metric_help(std::string_view help) {
  return escaped(help, false);
}
std::string escape_label_value(std::string_view value) {
  return escaped(value, true);
}

MetricsText& MetricsText::gauge(std::string_view name, std::string_view help, MetricValue value,
                                const MetricLabels& labels) {
  return add("gauge", name, help, value, labels);
}

MetricsText& MetricsText::counter(std::string_view name, std::string_view help, MetricValue value,
                                  const MetricLabels& labels) {
  return add("counter", name, help, value, labels);
}

MetricsText& MetricsText::add(std::string_view type, std::string_view name, std::string_view help,
                              const MetricValue& value, const MetricLabels& labels) {
  std::string clean = sanitized_name(name, true);
  Family* family = nullptr;
  for (Family& existing : families_) {
    if (existing.name == clean) family = &existing;
  }
  if (family == nullptr) {
    family = &families_.emplace_back(Family{clean, escape_metric_help(help), std::string(type)});
  }
  std::string sample = clean;
  if (!labels.empty()) {
    sample += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) sample += ',';
      sample += sanitized_name(labels[i].first, false);
      sample += "=\"";
      sample += escape_label_value(labels[i].second);
      sample += '"';
    }
    sample += '}';
  }
  sample += ' ';
  sample += value.text();
  family->samples.push_back(std::move(sample));
  return *this;
}

std::string MetricsText::str() const {
  std::string out;
  for (const Family& family : families_) {
    out += "# HELP " + family.name + ' ' + family.help + '\n';
    out += "# TYPE " + family.name + ' ' + family.type + '\n';
    for (const std::string& sample : family.samples) out += sample + '\n';
  }
  return out;
}

}  // namespace pgshift
