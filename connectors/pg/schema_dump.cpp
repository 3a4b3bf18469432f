#include "connectors/pg/schema_dump.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include "engine/core/subprocess.hpp"

namespace pgshift::pg {
namespace {

std::string tool(const std::string& name) {
  std::string dir = client_bin_dir();
  return dir.empty() ? name : dir + "/" + name;
}

std::string first_error_line(const std::string& text) {
  std::string line;
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    line = text.substr(start, end - start);
    if (line.find("error") != std::string::npos || line.find("FATAL") != std::string::npos) break;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return line;
}

// The conninfo for pg_dump's --dbname, without a secret: the password goes in PGPASSWORD, and
// the client key's password (sslpassword, which has no environment variable) in a service file
// of pg_dump's own in the private temporary directory, so that neither shows in `ps`.
Result<std::string> conninfo_for_pg_dump(const Endpoint& source, const std::string& dir,
                                         std::map<std::string, std::string>& env) {
  if (!source.password().empty()) env["PGPASSWORD"] = source.password();
  std::string conninfo = source.conninfo_without_password();
  std::string key_password = source.option("sslpassword");
  if (key_password.empty()) return conninfo;
  if (!source.option("service").empty() || std::getenv("PGSERVICE")) {
    return fail(ErrorKind::kUsage,
                "the source's sslpassword cannot be given to pg_dump beside a connection service "
                "(service= or PGSERVICE) without showing it on pg_dump's command line: put "
                "sslpassword in the service's entry instead");
  }
  if (key_password.find_first_of("\r\n") != std::string::npos ||
      std::isspace(static_cast<unsigned char>(key_password.back()))) {
    return fail(ErrorKind::kUsage,
                "the source's sslpassword holds a line break or ends in white space, which "
                "pg_dump cannot be given without showing it on its command line");
  }
  std::string path = dir + "/pg_service.conf";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return fail(ErrorKind::kRuntime, "cannot write " + path);
  std::string text = "[pgshift]\nsslpassword=" + key_password + "\n";
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written) return fail(ErrorKind::kRuntime, "cannot write " + path);
  env["PGSERVICEFILE"] = path;
  return conninfo + " service=pgshift";
}

}  // namespace

std::string exact_dump_pattern(const std::string& schema) {
  std::string out = "\"";
  for (char c : schema) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string exact_dump_pattern(const std::string& schema, const std::string& name) {
  return exact_dump_pattern(schema) + "." + exact_dump_pattern(name);
}

std::vector<std::string> dump_selection_args(const TableFilter& filter,
                                             const std::vector<QualifiedName>& planned,
                                             const std::vector<QualifiedName>& all_tables,
                                             const std::vector<std::string>& all_schemas) {
  std::vector<std::string> args;
  if (!filter.include_tables.empty()) {
    for (const auto& [schema, name] : planned) {
      args.push_back("--table=" + exact_dump_pattern(schema, name));
    }
    return args;
  }
  std::set<std::string> left_out_schemas;
  for (const auto& schema : all_schemas) {
    if (filter.accepts_schema(schema)) continue;
    left_out_schemas.insert(schema);
    args.push_back("--exclude-schema=" + exact_dump_pattern(schema));
  }
  std::set<QualifiedName> wanted(planned.begin(), planned.end());
  for (const auto& table : all_tables) {
    if (wanted.count(table) || left_out_schemas.count(table.first)) continue;
    args.push_back("--exclude-table=" + exact_dump_pattern(table.first, table.second));
  }
  return args;
}

std::string client_bin_dir() {
  if (const char* configured = std::getenv("PGSHIFT_PG_BIN")) return configured;
  int best = 0;
  std::string best_dir;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    int version = std::atoi(entry.path().filename().c_str());
    if (version > best && std::filesystem::exists(entry.path() / "bin" / "pg_dump")) {
      best = version;
      best_dir = (entry.path() / "bin").string();
    }
  }
  return best_dir;
}

Status check_pg_dump_supports(int source_server_version) {
  auto version = run_process({tool("pg_dump"), "--version"});
  if (!version || version->exit_status != 0) {
    return fail(ErrorKind::kRefused,
                "pg_dump not found (install postgresql-client, or set PGSHIFT_PG_BIN)");
  }
  std::smatch match;
  if (!std::regex_search(version->out, match, std::regex(R"((\d+)\.(\d+))"))) {
    return fail(ErrorKind::kRefused, "cannot read pg_dump version from: " + version->out);
  }
  int local_major = std::stoi(match[1]);
  int source_major = source_server_version / 10000;
  if (source_major > local_major) {
    return fail(ErrorKind::kRefused,
                "source server is PostgreSQL " + std::to_string(source_major) +
                    " but the local pg_dump is version " + std::to_string(local_major) +
                    "; install postgresql-client-" + std::to_string(source_major) +
                    " (or set PGSHIFT_PG_BIN to its bin directory)");
  }
  return {};
}

struct SchemaArchive::Directory {
  Directory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pgshift-XXXXXX").string();
    if (mkdtemp(pattern.data())) path = pattern;
  }
  ~Directory() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

const std::string& SchemaArchive::path() const {
  return path_;
}

Result<SchemaArchive> dump_schema_archive(const Endpoint& source, const DumpOptions& options) {
  SchemaArchive out;
  out.directory_ = std::make_shared<SchemaArchive::Directory>();
  if (out.directory_->path.empty()) {
    return fail(ErrorKind::kRuntime, "cannot create a temporary directory");
  }
  out.path_ = out.directory_->path + "/schema.dump";
  std::map<std::string, std::string> env;
  auto conninfo = conninfo_for_pg_dump(source, out.directory_->path, env);
  if (!conninfo) return fail(conninfo.error());

  std::vector<std::string> dump = {tool("pg_dump"),
                                   "--schema-only",
                                   "--format=custom",
                                   "--file=" + out.path_,
                                   "--exclude-schema=pgshift",
                                   "--dbname=" + *conninfo};
  if (!options.snapshot.empty()) dump.push_back("--snapshot=" + options.snapshot);
  dump.insert(dump.end(), options.selection.begin(), options.selection.end());
  auto dumped = run_process(dump, env);
  if (!dumped) return fail(dumped.error());
  if (dumped->exit_status != 0) {
    return fail(ErrorKind::kRuntime, "pg_dump failed: " + first_error_line(dumped->err));
  }
  return out;
}

Result<SchemaScripts> render_schema(
    const SchemaArchive& dumped, const DumpOptions& options,
    const std::set<std::pair<std::uint32_t, std::uint32_t>>& done_by_pgshift) {
  const std::string& archive = dumped.path();
  std::string directory = archive.substr(0, archive.rfind('/'));
  auto listed = run_process({tool("pg_restore"), "--list", archive});
  if (!listed || listed->exit_status != 0) {
    return fail(ErrorKind::kRuntime,
                "pg_restore --list failed: " + (listed ? first_error_line(listed->err) : ""));
  }
  auto entries = parse_toc(listed->out);
  std::string list_path = directory + "/toc.list";
  {
    FILE* file = std::fopen(list_path.c_str(), "w");
    if (!file) return fail(ErrorKind::kRuntime, "cannot write " + list_path);
    std::string filtered = filtered_toc(entries, done_by_pgshift);
    std::fwrite(filtered.data(), 1, filtered.size(), file);
    std::fclose(file);
  }
  SchemaScripts scripts;
  scripts.sequence_oids = created_sequences(entries, done_by_pgshift);
  for (auto [section, target] :
       {std::pair{"pre-data", &scripts.pre_data}, std::pair{"post-data", &scripts.post_data}}) {
    std::vector<std::string> restore = {tool("pg_restore"), std::string("--section=") + section,
                                        "--use-list=" + list_path, "--file=-"};
    if (options.clean && std::string(section) == "pre-data") {
      restore.push_back("--clean");
      restore.push_back("--if-exists");
    }
    if (!options.keep_owners) {
      restore.push_back("--no-owner");
      restore.push_back("--no-privileges");
    }
    restore.push_back(archive);
    auto rendered = run_process(restore);
    if (!rendered) return fail(rendered.error());
    if (rendered->exit_status != 0) {
      return fail(ErrorKind::kRuntime, "pg_restore failed: " + first_error_line(rendered->err));
    }
    auto sql = script_without_meta_commands(rendered->out);
    if (!sql) return fail(sql.error());
    *target = std::move(*sql);
  }
  return scripts;
}

}  // namespace pgshift::pg
