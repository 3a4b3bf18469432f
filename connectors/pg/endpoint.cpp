#include "connectors/pg/endpoint.hpp"

#include <libpq-fe.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

namespace pgshift {
namespace {

std::string quote_conninfo_value(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// libpq may quote the malformed token, or the whole input, and either can hold the password
// (user:password@ or ?password=). Everything that might be secret is blanked.
void scrub_secrets(std::string_view input, std::string& message) {
  std::vector<std::string> secrets;
  if (input.size() >= 4) secrets.emplace_back(input);
  if (auto scheme = input.find("://"); scheme != std::string_view::npos) {
    auto at = input.find('@', scheme);
    auto slash = input.find('/', scheme + 3);
    if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
      auto userinfo = input.substr(scheme + 3, at - scheme - 3);
      if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
        secrets.emplace_back(userinfo.substr(colon + 1));
      }
    }
  }
  for (const char* keyword : {"password=", "passwd="}) {
    for (auto pos = input.find(keyword); pos != std::string_view::npos;
         pos = input.find(keyword, pos + 1)) {
      auto value = input.substr(pos + std::strlen(keyword));
      value = value.substr(0, value.find_first_of("& "));
      if (!value.empty() && (value[0] == '\'' || value[0] == '"')) value.remove_prefix(1);
      if (!value.empty()) secrets.emplace_back(value);
    }
  }
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = message.find(secret); pos != std::string::npos; pos = message.find(secret)) {
      message.replace(pos, secret.size(), "****");
    }
    // libpq quotes only the offending %-token: a fragment of a (short) secret.
    if (secret.size() > 128 || secret == input) continue;
    for (std::size_t length = secret.size() - 1; length >= 3 && length < secret.size(); --length) {
      for (std::size_t from = 0; from + length <= secret.size(); ++from) {
        auto piece = secret.substr(from, length);
        if (auto pos = message.find("\"" + piece + "\""); pos != std::string::npos) {
          message.replace(pos + 1, piece.size(), "****");
        }
      }
    }
  }
}

constexpr const char* kAcceptedForms =
    "accepted forms: a postgres:// or postgresql:// URI, a key=value conninfo (host=... "
    "dbname=...), sqlite:///absolute/path.db or sqlite:relative/path.db";

// libpq reads anything that is not a postgres(ql):// URI as key=value pairs and answers a bare
// path or another scheme with 'missing "=" after ...', which tells nobody what to write instead.
// Such text is refused here, before libpq, naming the forms that work; the text itself is never
// echoed, as it may hold a password.
std::optional<Error> unaccepted_form(std::string_view text, std::string_view role) {
  if (text.starts_with("postgres://") || text.starts_with("postgresql://")) return std::nullopt;
  std::string who = std::string(role) + " endpoint";
  if (auto scheme = text.find("://");
      scheme != std::string_view::npos && scheme > 0 &&
      text.substr(0, scheme).find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") ==
          std::string_view::npos) {
    return Error{ErrorKind::kUsage, who + " has an unsupported scheme \"" +
                                        std::string(text.substr(0, scheme)) + "://\"; " +
                                        kAcceptedForms};
  }
  if (text.find('=') != std::string_view::npos) return std::nullopt;  // conninfo: libpq judges it
  std::error_code ignored;
  std::filesystem::path path{std::string(text)};
  if (std::filesystem::is_regular_file(path, ignored)) {
    // Naming the file is safe: it exists on disk, so it is a path, not a secret.
    auto absolute = std::filesystem::absolute(path, ignored).lexically_normal().string();
    return Error{ErrorKind::kUsage, who +
                                        " is a bare file path: for a SQLite file write sqlite://" +
                                        absolute + " (" + kAcceptedForms + ")"};
  }
  return Error{ErrorKind::kUsage, who + " is not a connection string; " + kAcceptedForms};
}

}  // namespace

Result<Endpoint> Endpoint::parse(std::string_view text, std::string_view role) {
  Endpoint endpoint;
  if (text.empty()) {
    return fail(ErrorKind::kUsage, "no " + std::string(role) + " endpoint given (--" +
                                       std::string(role) + " or PGSHIFT_" +
                                       (role == "source" ? "SOURCE" : "TARGET") + ")");
  }
  if (text.starts_with("sqlite:")) {
    std::string_view path = text.substr(7);
    if (path.starts_with("//")) path.remove_prefix(2);  // sqlite:///abs -> /abs
    if (path.empty()) return fail(ErrorKind::kUsage, "sqlite endpoint has no file path");
    endpoint.kind_ = EndpointKind::kSqlite;
    endpoint.sqlite_path_ = std::string(path);
    return endpoint;
  }
  if (auto refused = unaccepted_form(text, role)) return fail(std::move(*refused));
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(text).c_str(), &error);
  if (!options) {
    std::string reason = error ? error : "out of memory";
    if (error) PQfreemem(error);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    scrub_secrets(text, reason);
    // libpq's message names the offending part, not the password; we still never echo the input.
    return fail(ErrorKind::kUsage, "malformed " + std::string(role) +
                                       " connection string: " + reason + "; " + kAcceptedForms);
  }
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> owner(options, &PQconninfoFree);
  for (PQconninfoOption* option = options; option->keyword; ++option) {
    if (option->val && *option->val) endpoint.options_[option->keyword] = option->val;
  }
  // libpq ends a URI's user:password at its first '@' (or '/'), so a password holding an
  // unencoded '@' or '/' spills into the host, port or database name, where display() would show
  // it: refused, the value not echoed.
  bool spilled = false;
  if (auto scheme = text.find("://"); scheme != std::string_view::npos) {
    auto path = text.find_first_of("/?", scheme + 3);
    auto query = text.find('?', scheme + 3);
    spilled = path != std::string_view::npos && text[path] == '/' &&
              text.substr(path, query == std::string_view::npos ? query : query - path).find('@') !=
                  std::string_view::npos;
  }
  // Host names never hold '@', '?', '=' or '&', nor ports anything but digits and commas: such a
  // value is a piece of the URI that libpq did not split as meant (an unclosed '[', say).
  spilled = spilled || endpoint.option("host").find_first_of("@?=&") != std::string::npos ||
            endpoint.option("port").find_first_not_of("0123456789,") != std::string::npos;
  if (spilled) {
    return fail(ErrorKind::kUsage,
                "malformed " + std::string(role) +
                    " connection string: its host, port or database name does not parse (write "
                    "'@', '/' and ':' in a user name or password as %40, %2F and %3A; close an "
                    "IPv6 host's '[' with ']')");
  }
  if (auto it = endpoint.options_.find("password"); it != endpoint.options_.end()) {
    endpoint.password_ = it->second;
  }
  for (const auto& [keyword, value] : endpoint.options_) {
    if (!endpoint.conninfo_.empty()) endpoint.conninfo_ += ' ';
    endpoint.conninfo_ += keyword + "=" + quote_conninfo_value(value);
  }
  return endpoint;
}

std::string Endpoint::conninfo_without_password() const {
  std::string out;
  for (const auto& [keyword, value] : options_) {
    if (keyword == "password" || keyword == "sslpassword") continue;
    if (!out.empty()) out += ' ';
    out += keyword + "=" + quote_conninfo_value(value);
  }
  return out;
}

std::string Endpoint::option(const std::string& keyword) const {
  auto it = options_.find(keyword);
  return it == options_.end() ? std::string() : it->second;
}

bool Endpoint::on_this_machine() const {
  if (kind_ == EndpointKind::kSqlite) return true;
  std::string host = option("host");
  if (host.empty()) host = option("hostaddr");
  return host.empty() || host == "localhost" || host.starts_with("127.") || host == "::1" ||
         host.starts_with("/");
}

std::string Endpoint::display() const {
  if (kind_ == EndpointKind::kSqlite) return "sqlite:" + sqlite_path_;
  std::string user = option("user");
  std::string host = option("host");
  if (host.empty()) host = option("hostaddr");
  if (host.empty()) host = "localhost";
  std::string port = option("port");
  std::string db = option("dbname");
  std::string out = user.empty() ? "" : user + "@";
  out += host;
  if (!port.empty()) out += ":" + port;
  if (!db.empty()) out += "/" + db;
  return out;
}

}  // namespace pgshift
