// The `pgshift` executable: parses the command line, sets up logging, dispatches to a command.
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

#include "connectors/pg/stall_check.hpp"
#include "engine/assess/plan_command.hpp"
#include "engine/compare/verify_command.hpp"
#include "engine/cutover/cutover_command.hpp"
#include "engine/migrate/migrate_command.hpp"
#include "engine/state/state_commands.hpp"
#include "engine/sync/sync_command.hpp"
#include "tools/pgshift/cli_args.hpp"
#include "tools/pgshift/help_text.hpp"
#include "verify/report.hpp"

namespace {

// The log message, escaped for a JSON string.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    auto escaped = pgshift::verify::json_escape(
        std::string_view(message.payload.data(), message.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

// PGSHIFT_DEBUG=1 adds the debug lines (each table's finishing steps, with milliseconds): for
// profiling a run, not part of the command-line contract.
void set_up_logging(const std::string& format, bool quiet, bool debug) {
  auto logger = spdlog::stderr_logger_st("pgshift");
  if (format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","message":"%*"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern(debug ? "%H:%M:%S.%e %l: %v" : "%H:%M:%S %l: %v");
  }
  logger->set_level(debug   ? spdlog::level::debug
                    : quiet ? spdlog::level::warn
                            : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::optional<std::string> from_environment(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return std::nullopt;
  return std::string(value);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto command = pgshift::cli::parse(args, from_environment);
  if (!command) {
    std::fprintf(stderr, "pgshift: %s\n", command.error().message.c_str());
    return pgshift::exit_code_for(command.error().kind);
  }
  if (command->name == "help") {
    std::fputs((command->help ? pgshift::cli::command_help(command->name.empty() ? "" : args[1])
                              : pgshift::cli::usage())
                   .c_str(),
               stdout);
    return 0;
  }
  if (command->name == "version") {
    std::puts("pgshift 0.1.0");
    return 0;
  }
  if (command->help) {
    std::fputs(pgshift::cli::command_help(command->name).c_str(), stdout);
    return 0;
  }
  set_up_logging(command->log_format, command->options.quiet,
                 from_environment("PGSHIFT_DEBUG").value_or("") == "1");
  pgshift::pg::set_stall_timeout(std::chrono::seconds(command->stall_timeout_seconds));
  if (command->name == "plan" || (command->name == "migrate" && command->dry_run)) {
    return pgshift::run_plan_command(std::move(command->options));
  }
  if (command->name == "migrate") {
    return pgshift::run_migrate_command(pgshift::MigrateOptions(std::move(command->options)));
  }
  if (command->name == "sync") {
    pgshift::sync::SyncOptions sync;
    sync.copy = pgshift::MigrateOptions(std::move(command->options));
    sync.endpos = command->endpos;
    sync.metrics_listen = command->metrics_listen;
    sync.replica_identity_full = command->replica_identity_full;
    return pgshift::sync::run_sync_command(std::move(sync));
  }
  if (command->name == "cutover" || command->name == "rollback") {
    pgshift::cutover::CutoverOptions cutover;
    // A rollback is a cutover from the forward target back to the forward source.
    cutover.rollback = command->name == "rollback";
    cutover.source =
        std::move(cutover.rollback ? command->options.target : command->options.source);
    cutover.target =
        std::move(cutover.rollback ? command->options.source : command->options.target);
    cutover.reverse = command->reverse;
    cutover.filter = std::move(command->options.filter);
    cutover.max_lag = command->max_lag;
    cutover.timeout = command->timeout;
    cutover.freeze_read_only = command->freeze_read_only;
    cutover.freeze_hook = command->freeze_hook;
    cutover.unfreeze_hook = command->unfreeze_hook;
    cutover.switch_hook = command->switch_hook;
    cutover.report_path = command->options.report_path;
    cutover.quiet = command->options.quiet;
    return pgshift::cutover::run_cutover_command(std::move(cutover));
  }
  if (command->name == "verify") {
    pgshift::VerifyOptions verify;
    static_cast<pgshift::CommonOptions&>(verify) = std::move(command->options);
    verify.row_hash = command->row_hash;
    return pgshift::run_verify_command(std::move(verify));
  }
  if (command->name == "status") {
    return pgshift::run_status_command(command->options.source, command->options.target,
                                       command->json);
  }
  if (command->name == "cleanup") {
    return pgshift::run_cleanup_command(command->options.source, command->options.target,
                                        command->options.quiet);
  }
  return 2;
}
