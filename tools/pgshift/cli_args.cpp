#include "tools/pgshift/cli_args.hpp"

#include <charconv>
#include <map>
#include <set>
#include <thread>

#include "connectors/pg/replication/lsn.hpp"

namespace pgshift::cli {
namespace {

Status usage_error(std::string message) {
  return fail(ErrorKind::kUsage, std::move(message) + " (see pgshift --help)");
}

const std::set<std::string> kCommands = {"plan",    "migrate", "verify",  "status",
                                         "cleanup", "sync",    "cutover", "rollback"};

const std::map<std::string, std::set<std::string>> kOptions = {
    {"migrate", {"--source",         "--target",        "--jobs",
                 "--report",         "--include-table", "--exclude-table",
                 "--exclude-schema", "--log-format",    "--quiet",
                 "--restart",        "--verify",        "--chunk-size",
                 "--keep-owners",    "--retries",       "--maintenance-work-mem",
                 "--cast",           "--on-type-error", "--timestamptz",
                 "--dry-run",        "--exact",         "--include-internal-schemas",
                 "--force",          "--stall-timeout"}},
    {"plan",
     {"--source", "--target", "--jobs", "--report", "--include-table", "--exclude-table",
      "--exclude-schema", "--log-format", "--quiet", "--verify", "--chunk-size", "--keep-owners",
      "--exact", "--include-internal-schemas", "--cast", "--on-type-error", "--timestamptz",
      "--stall-timeout"}},
    {"verify",
     {"--source", "--target", "--jobs", "--report", "--include-table", "--exclude-table",
      "--exclude-schema", "--log-format", "--quiet", "--chunk-size", "--cast", "--on-type-error",
      "--timestamptz", "--stall-timeout", "--row-hash"}},
    {"sync",
     {"--source",
      "--target",
      "--jobs",
      "--report",
      "--include-table",
      "--exclude-table",
      "--exclude-schema",
      "--log-format",
      "--quiet",
      "--restart",
      "--verify",
      "--chunk-size",
      "--keep-owners",
      "--retries",
      "--maintenance-work-mem",
      "--include-internal-schemas",
      "--stall-timeout",
      "--endpos",
      "--metrics-listen",
      "--replica-identity-full"}},
    {"cutover",
     {"--source", "--target", "--max-lag", "--freeze", "--freeze-hook", "--unfreeze-hook",
      "--switch-hook", "--timeout", "--report", "--quiet", "--log-format", "--include-table",
      "--exclude-table", "--exclude-schema", "--reverse"}},
    {"rollback",
     {"--source", "--target", "--max-lag", "--freeze", "--freeze-hook", "--unfreeze-hook",
      "--switch-hook", "--timeout", "--report", "--quiet", "--log-format", "--exclude-table",
      "--exclude-schema"}},
    {"status", {"--target", "--source", "--json", "--log-format"}},
    {"cleanup", {"--target", "--source", "--log-format", "--quiet"}},
};

const std::set<std::string> kFlags = {"--quiet",
                                      "--restart",
                                      "--keep-owners",
                                      "--json",
                                      "--help",
                                      "--dry-run",
                                      "--exact",
                                      "--include-internal-schemas",
                                      "--timestamptz",
                                      "--force",
                                      "--replica-identity-full",
                                      "--reverse"};

// Command-line words as shown in errors: anything that may be a connection string is not echoed.
std::string shown_argument(const std::string& text) {
  bool secretish = text.find("://") != std::string::npos || text.find('@') != std::string::npos ||
                   text.find("password") != std::string::npos ||
                   text.find('=') != std::string::npos;
  return secretish ? "<a connection string?>" : "'" + text + "'";
}

Result<int> parse_positive(const std::string& option, const std::string& text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
    return fail(ErrorKind::kUsage,
                option + " takes a positive whole number, not " + shown_argument(text));
  }
  return value;
}

// "1s", "250ms", "2m", or plain seconds ("1.5").
Result<std::chrono::milliseconds> parse_duration(const std::string& option,
                                                 const std::string& text) {
  double number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  std::string_view unit(end, text.data() + text.size());
  double scale = unit.empty() || unit == "s" ? 1000 : unit == "ms" ? 1 : unit == "m" ? 60000 : -1;
  if (error != std::errc() || scale < 0 || number < 0) {
    return fail(ErrorKind::kUsage,
                option + " takes a duration such as 1s, 500ms or 2m, not " + shown_argument(text));
  }
  return std::chrono::milliseconds(static_cast<long long>(number * scale));
}

}  // namespace

Result<Command> parse(const std::vector<std::string>& args, Environment environment) {
  Command command;
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    command.name = "help";
    if (args.size() > 1) command.name = args[1], command.help = true;
    return command;
  }
  if (args[0] == "--version") {
    command.name = "version";
    return command;
  }
  command.name = args[0];
  command.options.jobs = std::max(1u, std::thread::hardware_concurrency());
  if (!kCommands.count(command.name)) {
    return fail(usage_error("unknown command '" + command.name + "'").error());
  }
  const auto& allowed = kOptions.at(command.name);
  std::string source_text, target_text;
  bool have_source = false, have_target = false;
  PlanOptions& options = command.options;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string option = args[i], value;
    if (option == "--help" || option == "-h") {
      command.help = true;
      return command;
    }
    if (auto equals = option.find('='); option.starts_with("--") && equals != std::string::npos) {
      value = option.substr(equals + 1);
      option = option.substr(0, equals);
    } else if (!kFlags.count(option) && allowed.count(option)) {
      if (i + 1 >= args.size()) return fail(usage_error(option + " needs a value").error());
      value = args[++i];
    }
    if (!allowed.count(option)) {
      return fail(
          usage_error("unknown option " + shown_argument(option) + " for " + command.name).error());
    }
    if (option == "--source") {
      source_text = value, have_source = true;
    } else if (option == "--target") {
      target_text = value, have_target = true;
    } else if (option == "--jobs") {
      auto jobs = parse_positive(option, value);
      if (!jobs) return fail(jobs.error());
      options.jobs = *jobs;
    } else if (option == "--retries") {
      auto retries = parse_positive(option, value);
      if (!retries) return fail(retries.error());
      options.max_retries = *retries;
    } else if (option == "--stall-timeout") {
      auto seconds = value == "0" ? Result<int>(0) : parse_positive(option, value);
      if (!seconds) return fail(seconds.error());
      command.stall_timeout_seconds = *seconds;
    } else if (option == "--chunk-size") {
      auto megabytes = parse_positive(option, value);
      if (!megabytes) return fail(megabytes.error());
      options.chunk_bytes = static_cast<std::int64_t>(*megabytes) << 20;
    } else if (option == "--cast") {
      options.casts.push_back(value);
    } else if (option == "--on-type-error") {
      if (value != "fail" && value != "null" && value != "text") {
        return fail(usage_error("--on-type-error is fail, null or text").error());
      }
      options.on_type_error = value;
    } else if (option == "--timestamptz") {
      options.timestamptz = true;
    } else if (option == "--maintenance-work-mem") {
      options.maintenance_work_mem = value;
    } else if (option == "--report") {
      options.report_path = value;
    } else if (option == "--include-table") {
      options.filter.include_tables.push_back(value);
    } else if (option == "--exclude-table") {
      options.filter.exclude_tables.push_back(value);
    } else if (option == "--exclude-schema") {
      options.filter.exclude_schemas.push_back(value);
    } else if (option == "--log-format") {
      if (value != "text" && value != "json") {
        return fail(usage_error("--log-format is text or json").error());
      }
      command.log_format = value;
    } else if (option == "--verify") {
      if (value == "full") {
        options.verify = VerifyMode::kFull;
      } else if (value == "count") {
        options.verify = VerifyMode::kCount;
      } else if (value == "off") {
        options.verify = VerifyMode::kOff;
      } else {
        return fail(usage_error("--verify is full, count or off").error());
      }
    } else if (option == "--row-hash") {
      if (value == "server") {
        command.row_hash = RowHash::kServer;
      } else if (value == "client") {
        command.row_hash = RowHash::kClient;
      } else {
        return fail(usage_error("--row-hash is server or client").error());
      }
    } else if (option == "--quiet") {
      options.quiet = true;
    } else if (option == "--restart") {
      options.restart = true;
    } else if (option == "--force") {
      options.force = true;
    } else if (option == "--keep-owners") {
      options.keep_owners = true;
    } else if (option == "--json") {
      command.json = true;
    } else if (option == "--dry-run") {
      command.dry_run = true;
    } else if (option == "--exact") {
      options.exact_counts = true;
    } else if (option == "--include-internal-schemas") {
      options.include_internal_schemas = true;
    } else if (option == "--endpos") {
      if (value != "current" && !pg::Lsn::parse(value)) {
        return fail(usage_error("--endpos is current or an LSN such as 16/B374D848").error());
      }
      command.endpos = value;
    } else if (option == "--metrics-listen") {
      command.metrics_listen = value;
    } else if (option == "--replica-identity-full") {
      command.replica_identity_full = true;
    } else if (option == "--max-lag" || option == "--timeout") {
      auto duration = parse_duration(option, value);
      if (!duration) return fail(duration.error());
      (option == "--max-lag" ? command.max_lag : command.timeout) = *duration;
    } else if (option == "--freeze") {
      if (value != "read-only" && value != "none") {
        return fail(usage_error("--freeze is read-only or none").error());
      }
      command.freeze_read_only = value == "read-only";
    } else if (option == "--reverse") {
      command.reverse = true;
    } else if (option == "--freeze-hook") {
      command.freeze_hook = value;
    } else if (option == "--unfreeze-hook") {
      command.unfreeze_hook = value;
    } else if (option == "--switch-hook") {
      command.switch_hook = value;
    }
  }
  if (!have_source && allowed.count("--source")) {
    if (auto from_env = environment("PGSHIFT_SOURCE")) source_text = *from_env;
  }
  if (!have_target) {
    if (auto from_env = environment("PGSHIFT_TARGET")) target_text = *from_env;
  }
  // cleanup's source is optional: without it, only the target's state is dropped.
  bool source_optional = command.name == "cleanup" || command.name == "status";
  if (allowed.count("--source") && !(source_optional && source_text.empty())) {
    auto source = Endpoint::parse(source_text, "source");
    if (!source) return fail(source.error());
    options.source = std::move(*source);
  }
  auto target = Endpoint::parse(target_text, "target");
  if (!target) return fail(target.error());
  if (target->kind() != EndpointKind::kPostgres) {
    return fail(usage_error("the target must be PostgreSQL").error());
  }
  options.target = std::move(*target);
  if (options.exact_counts && command.name == "migrate" && !command.dry_run) {
    return fail(usage_error("--exact goes with plan or migrate --dry-run").error());
  }
  return command;
}

}  // namespace pgshift::cli
