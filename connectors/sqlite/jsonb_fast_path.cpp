#include "connectors/sqlite/jsonb_fast_path.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace pgshift::sqlite {
namespace {

constexpr int kMaxFastDepth = 64;

class FastCanonicalizer {
 public:
  FastCanonicalizer(std::string_view text, std::string& out) : text_(text), out_(out) {}

  bool document() {
    if (!value(0)) return false;
    skip_blanks();
    return at_ == text_.size();
  }

 private:
  struct Member {
    std::string_view key;
    std::size_t from, to;  // the value's printed text in out_
  };

  void skip_blanks() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }

  bool peek(char c) const { return at_ < text_.size() && text_[at_] == c; }

  static bool identifier_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           u >= 0x80;
  }

  bool value(int depth) {
    if (depth > kMaxFastDepth) return false;
    skip_blanks();
    if (at_ >= text_.size()) return false;
    char c = text_[at_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return string_value();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (std::string_view word : {"true", "false", "null"}) {
      if (text_.substr(at_, word.size()) == word) {
        std::size_t end = at_ + word.size();
        if (end < text_.size() && identifier_char(text_[end])) return false;
        at_ = end;
        out_.append(word);
        return true;
      }
    }
    return false;
  }

  // A string whose printed form is its raw bytes: no escape, no control character.
  bool plain_string(std::string_view& raw) {
    std::size_t start = ++at_;
    while (at_ < text_.size()) {
      auto c = static_cast<unsigned char>(text_[at_]);
      if (c == '"') {
        raw = text_.substr(start, at_ - start);
        ++at_;
        return true;
      }
      if (c == '\\' || c < 0x20) return false;
      ++at_;
    }
    return false;
  }

  // A string value printed the way jsonb prints it: raw bytes, with \" \\ \b \f \n \r \t
  // escaped again as they came and \/ as a plain slash. A \u escape is left to the parser.
  bool string_value() {
    out_ += '"';
    std::size_t run = ++at_;
    while (at_ < text_.size()) {
      auto c = static_cast<unsigned char>(text_[at_]);
      if (c == '"') {
        out_.append(text_.substr(run, at_ - run));
        out_ += '"';
        ++at_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (at_ + 1 >= text_.size()) return false;
        char escaped = text_[at_ + 1];
        if (escaped == '/') {
          out_.append(text_.substr(run, at_ - run));
          out_ += '/';
          at_ += 2;
          run = at_;
          continue;
        }
        if (std::strchr("\"\\bfnrt", escaped) == nullptr || escaped == '\0') return false;
        at_ += 2;
        continue;
      }
      ++at_;
    }
    return false;
  }

  // A number numeric_out prints as written: an integer or a decimal fraction (numeric keeps the
  // scale it was given, trailing zeros included), but no exponent and no negative zero, which
  // prints without its sign.
  bool number() {
    constexpr std::size_t kMaxDigits = 1000;  // far inside numeric's limits
    std::size_t start = at_;
    bool negative = text_[at_] == '-';
    if (negative) ++at_;
    if (at_ >= text_.size()) return false;
    bool nonzero = false;
    if (text_[at_] == '0') {
      ++at_;
    } else {
      std::size_t digits = at_;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
      if (at_ == digits) return false;
      nonzero = true;
    }
    if (at_ < text_.size() && text_[at_] == '.') {
      std::size_t digits = ++at_;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
        nonzero = nonzero || text_[at_] != '0';
        ++at_;
      }
      if (at_ == digits) return false;
    }
    if (negative && !nonzero) return false;
    if (at_ - start > kMaxDigits) return false;
    if (at_ < text_.size() && (text_[at_] == '.' || identifier_char(text_[at_]))) return false;
    out_.append(text_.substr(start, at_ - start));
    return true;
  }

  bool array(int depth) {
    ++at_;
    out_ += '[';
    skip_blanks();
    if (peek(']')) {
      ++at_;
      out_ += ']';
      return true;
    }
    for (bool first = true;; first = false) {
      if (!first) out_ += ", ";
      if (!value(depth + 1)) return false;
      skip_blanks();
      if (peek(',')) {
        ++at_;
        continue;
      }
      if (!peek(']')) return false;
      ++at_;
      out_ += ']';
      return true;
    }
  }

  // Members are printed as they come, then reordered by key: (byte length, bytes), as jsonb keeps
  // them. Raw keys are their decoded bytes, since they hold no escapes.
  bool object(int depth) {
    ++at_;
    std::size_t begin = out_.size();
    skip_blanks();
    if (peek('}')) {
      ++at_;
      out_ += "{}";
      return true;
    }
    // Members of every open object share one stack (no allocation per object); this object's
    // are those from `first` on.
    std::vector<Member>& members = member_stack();
    std::size_t first = members.size();
    struct Pop {
      std::vector<Member>& stack;
      std::size_t size;
      ~Pop() { stack.resize(size); }
    } pop{members, first};
    while (true) {
      skip_blanks();
      std::string_view key;
      if (!peek('"') || !plain_string(key)) return false;
      skip_blanks();
      if (!peek(':')) return false;
      ++at_;
      std::size_t from = out_.size();
      if (!value(depth + 1)) return false;
      members.push_back(Member{key, from, out_.size()});
      skip_blanks();
      if (peek(',')) {
        ++at_;
        continue;
      }
      if (!peek('}')) return false;
      ++at_;
      break;
    }
    auto key_less = [](const Member& a, const Member& b) {
      if (a.key.size() != b.key.size()) return a.key.size() < b.key.size();
      return std::memcmp(a.key.data(), b.key.data(), a.key.size()) < 0;
    };
    auto mine = members.begin() + static_cast<std::ptrdiff_t>(first);
    std::sort(mine, members.end(), key_less);
    for (auto it = mine + 1; it < members.end(); ++it) {
      if (it->key == (it - 1)->key) return false;  // the full parser keeps the last
    }
    std::string& values = values_scratch();
    values.assign(out_, begin, std::string::npos);
    out_.resize(begin);
    out_ += '{';
    for (auto it = mine; it < members.end(); ++it) {
      if (it != mine) out_ += ", ";
      out_ += '"';
      out_.append(it->key);
      out_ += "\": ";
      out_.append(values, it->from - begin, it->to - it->from);
    }
    out_ += '}';
    return true;
  }

  // Scratch space kept by each thread across documents.
  static std::vector<Member>& member_stack() {
    thread_local std::vector<Member> stack;
    return stack;
  }
  static std::string& values_scratch() {
    thread_local std::string values;
    return values;
  }

  std::string_view text_;
  std::string& out_;
  std::size_t at_ = 0;
};

}  // namespace

bool append_fast_canonical_jsonb_text(std::string_view json, std::string& out) {
  std::size_t size_before = out.size();
  FastCanonicalizer canonicalizer(json, out);
  if (canonicalizer.document()) return true;
  out.resize(size_before);
  return false;
}

std::optional<std::string> fast_canonical_jsonb_text(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 8);
  if (!append_fast_canonical_jsonb_text(json, out)) return std::nullopt;
  return out;
}

}  // namespace pgshift::sqlite
