// An endpoint as given on the command line (libpq URI, keyword/value conninfo, or a sqlite: path),
// parsed once. It owns the secret; everything shown to people goes through display(), which never
// contains the password. No I/O, except that text that is no accepted form is checked for being an
// existing file, so the refusal can suggest the sqlite:/// form with its absolute path.
#pragma once

#include <map>
#include <string>

#include "engine/core/result.hpp"

namespace pgshift {

enum class EndpointKind { kPostgres, kSqlite };

class Endpoint {
 public:
  static Result<Endpoint> parse(std::string_view text, std::string_view role /*source|target*/);

  EndpointKind kind() const { return kind_; }
  // For libpq: the full conninfo including the password.
  const std::string& conninfo() const { return conninfo_; }
  // For child processes (pg_dump, pg_restore): conninfo without the password or the client
  // key's password (sslpassword)...
  std::string conninfo_without_password() const;
  // ...which they receive through PGPASSWORD (and a private service file for sslpassword, which
  // has no environment variable) instead, so neither shows in `ps`.
  const std::string& password() const { return password_; }
  // "user@host:port/dbname": safe for logs, errors and reports.
  std::string display() const;
  const std::string& sqlite_path() const { return sqlite_path_; }
  // On this machine, by its host as given: none (a socket), localhost, 127.x, ::1 or a socket
  // directory. A SQLite file always is.
  bool on_this_machine() const;
  std::string option(const std::string& keyword) const;

 private:
  EndpointKind kind_ = EndpointKind::kPostgres;
  std::string conninfo_;
  std::string password_;
  std::string sqlite_path_;
  std::map<std::string, std::string> options_;
};

}  // namespace pgshift
