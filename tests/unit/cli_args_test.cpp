// Command-line parsing: every migrate option in both spellings, the PGSHIFT_SOURCE/PGSHIFT_TARGET
// fallback (through a fake environment), help forms, and usage errors (which never echo passwords).
#include "tools/pgshift/cli_args.hpp"
#include "tools/pgshift/help_text.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace pgshift::cli {
namespace {

const char* const kSource = "postgresql://src_user:src_pw@source.example:5432/app";
const char* const kTarget = "postgresql://dst_user:dst_pw@target.example:5433/app";

std::optional<std::string> empty_environment(const char*) {
  return std::nullopt;
}

std::optional<std::string> full_environment(const char* name) {
  if (std::string(name) == "PGSHIFT_SOURCE") return "host=env-source dbname=envdb password=env_pw";
  if (std::string(name) == "PGSHIFT_TARGET") return "host=env-target dbname=envdb password=env_pw";
  return std::nullopt;
}

Command must_parse(const std::vector<std::string>& args,
                   Environment environment = empty_environment) {
  auto command = parse(args, environment);
  EXPECT_TRUE(command) << (command ? "" : command.error().message);
  return command ? *command : Command{};
}

Error must_fail(const std::vector<std::string>& args, Environment environment = empty_environment) {
  auto command = parse(args, environment);
  EXPECT_FALSE(command) << "accepted: " << (args.empty() ? "" : args.back());
  if (command) return Error{};
  EXPECT_EQ(command.error().kind, ErrorKind::kUsage) << command.error().message;
  return command.error();
}

void expect_full_migrate(const Command& command) {
  EXPECT_EQ(command.name, "migrate");
  EXPECT_FALSE(command.help);
  const auto& options = command.options;
  EXPECT_EQ(options.source.display(), "src_user@source.example:5432/app");
  EXPECT_EQ(options.source.password(), "src_pw");
  EXPECT_EQ(options.target.display(), "dst_user@target.example:5433/app");
  EXPECT_EQ(options.jobs, 6);
  EXPECT_EQ(options.report_path, "out/report.json");
  EXPECT_EQ(options.filter.include_tables, (std::vector<std::string>{"shop.*", "public.users"}));
  EXPECT_EQ(options.filter.exclude_tables, std::vector<std::string>{"shop.tmp_*"});
  EXPECT_EQ(options.filter.exclude_schemas, std::vector<std::string>{"audit"});
  EXPECT_EQ(command.log_format, "json");
  EXPECT_TRUE(options.quiet);
  EXPECT_TRUE(options.restart);
  EXPECT_TRUE(options.keep_owners);
  EXPECT_EQ(options.verify, VerifyMode::kCount);
  EXPECT_EQ(options.chunk_bytes, 128LL << 20);
  EXPECT_EQ(options.max_retries, 9);
  EXPECT_EQ(options.maintenance_work_mem, "1GB");
}

TEST(CliParse, MigrateWithEveryOption) {
  expect_full_migrate(must_parse({"migrate",
                                  "--source",
                                  kSource,
                                  "--target",
                                  kTarget,
                                  "--jobs",
                                  "6",
                                  "--report",
                                  "out/report.json",
                                  "--include-table",
                                  "shop.*",
                                  "--include-table",
                                  "public.users",
                                  "--exclude-table",
                                  "shop.tmp_*",
                                  "--exclude-schema",
                                  "audit",
                                  "--log-format",
                                  "json",
                                  "--quiet",
                                  "--restart",
                                  "--verify",
                                  "count",
                                  "--chunk-size",
                                  "128",
                                  "--keep-owners",
                                  "--retries",
                                  "9",
                                  "--maintenance-work-mem",
                                  "1GB"}));
}

TEST(CliParse, MigrateWithEqualsForm) {
  expect_full_migrate(must_parse(
      {"migrate", std::string("--source=") + kSource, std::string("--target=") + kTarget,
       "--jobs=6", "--report=out/report.json", "--include-table=shop.*",
       "--include-table=public.users", "--exclude-table=shop.tmp_*", "--exclude-schema=audit",
       "--log-format=json", "--quiet", "--restart", "--verify=count", "--chunk-size=128",
       "--keep-owners", "--retries=9", "--maintenance-work-mem=1GB"}));
}

TEST(CliParse, EqualsFormKeepsEqualsSignsInTheValue) {
  auto command =
      must_parse({"migrate", "--source=host=a dbname=x password=p=q", "--target", kTarget});
  EXPECT_EQ(command.options.source.option("host"), "a");
  EXPECT_EQ(command.options.source.password(), "p=q");
}

TEST(CliParse, Defaults) {
  auto command = must_parse({"migrate", "--source", kSource, "--target", kTarget});
  EXPECT_EQ(command.options.jobs,
            static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  EXPECT_EQ(command.options.verify, VerifyMode::kFull);
  EXPECT_EQ(command.options.chunk_bytes, 64LL << 20);
  EXPECT_EQ(command.options.max_retries, 5);
  EXPECT_EQ(command.options.maintenance_work_mem, "") << "the target's own setting";
  EXPECT_EQ(command.log_format, "text");
  EXPECT_FALSE(command.options.quiet || command.options.restart || command.options.keep_owners);
}

TEST(CliParse, StallTimeout) {
  EXPECT_EQ(must_parse({"migrate", "--source", kSource, "--target", kTarget}).stall_timeout_seconds,
            30);
  EXPECT_EQ(
      must_parse({"migrate", "--source", kSource, "--target", kTarget, "--stall-timeout", "5"})
          .stall_timeout_seconds,
      5);
  EXPECT_EQ(must_parse({"verify", "--source", kSource, "--target", kTarget, "--stall-timeout=0"})
                .stall_timeout_seconds,
            0);
  EXPECT_EQ(
      must_fail({"migrate", "--source", kSource, "--target", kTarget, "--stall-timeout", "-1"})
          .kind,
      ErrorKind::kUsage);
}

TEST(CliParse, VerifyModes) {
  for (auto [text, mode] :
       {std::pair{"full", VerifyMode::kFull}, std::pair{"count", VerifyMode::kCount},
        std::pair{"off", VerifyMode::kOff}}) {
    EXPECT_EQ(must_parse({"migrate", "--source", kSource, "--target", kTarget, "--verify", text})
                  .options.verify,
              mode)
        << text;
  }
  for (const char* bad : {"fast", "FULL", "", "ful"}) {
    must_fail({"migrate", "--source", kSource, "--target", kTarget, "--verify", bad});
  }
}

TEST(CliParse, EndpointsFallBackToTheEnvironment) {
  auto command = must_parse({"migrate"}, full_environment);
  EXPECT_EQ(command.options.source.option("host"), "env-source");
  EXPECT_EQ(command.options.target.option("host"), "env-target");
}

TEST(CliParse, CommandLineBeatsTheEnvironment) {
  auto command = must_parse({"migrate", "--source", kSource}, full_environment);
  EXPECT_EQ(command.options.source.option("host"), "source.example");
  EXPECT_EQ(command.options.target.option("host"), "env-target");
  command = must_parse({"migrate", "--target", kTarget}, full_environment);
  EXPECT_EQ(command.options.source.option("host"), "env-source");
  EXPECT_EQ(command.options.target.option("host"), "target.example");
}

TEST(CliParse, MissingEndpointsAreUsageErrorsNamingTheRole) {
  auto no_source = must_fail({"migrate", "--target", kTarget});
  EXPECT_NE(no_source.message.find("source"), std::string::npos) << no_source.message;
  auto no_target = must_fail({"migrate", "--source", kSource});
  EXPECT_NE(no_target.message.find("target"), std::string::npos) << no_target.message;
  must_fail({"status"});
}

TEST(CliParse, StatusAndCleanupNeedOnlyATarget) {
  auto status = must_parse({"status", "--target", kTarget, "--json"});
  EXPECT_EQ(status.name, "status");
  EXPECT_TRUE(status.json);
  EXPECT_EQ(status.options.target.option("host"), "target.example");
  auto from_env = must_parse({"cleanup", "--quiet"}, full_environment);
  EXPECT_EQ(from_env.name, "cleanup");
  EXPECT_EQ(from_env.options.target.option("host"), "env-target");
  EXPECT_TRUE(from_env.options.quiet);
}

TEST(CliParse, CutoverOptionsAndDurations) {
  auto cutover =
      must_parse({"cutover", "--source", kSource, "--target", kTarget, "--max-lag", "250ms",
                  "--timeout", "2m", "--freeze", "none", "--freeze-hook", "psql -c PAUSE",
                  "--unfreeze-hook", "psql -c RESUME", "--switch-hook", "./repoint.sh"});
  EXPECT_EQ(cutover.name, "cutover");
  EXPECT_EQ(cutover.max_lag, std::chrono::milliseconds(250));
  EXPECT_EQ(cutover.timeout, std::chrono::minutes(2));
  EXPECT_FALSE(cutover.freeze_read_only);
  EXPECT_EQ(cutover.freeze_hook, "psql -c PAUSE");
  EXPECT_EQ(cutover.unfreeze_hook, "psql -c RESUME");
  EXPECT_EQ(cutover.switch_hook, "./repoint.sh");
  auto defaults = must_parse({"cutover", "--source", kSource, "--target", kTarget});
  EXPECT_EQ(defaults.max_lag, std::chrono::seconds(1));
  EXPECT_EQ(defaults.timeout, std::chrono::seconds(60));
  EXPECT_TRUE(defaults.freeze_read_only);
  EXPECT_EQ(
      must_parse({"cutover", "--source", kSource, "--target", kTarget, "--max-lag", "1.5"}).max_lag,
      std::chrono::milliseconds(1500));
  for (const char* bad : {"fast", "1h", "-1s", "1 s"}) {
    auto error = must_fail({"cutover", "--source", kSource, "--target", kTarget, "--max-lag", bad});
    EXPECT_EQ(error.kind, ErrorKind::kUsage) << bad;
    EXPECT_NE(error.message.find("--max-lag takes a duration"), std::string::npos) << bad;
  }
  EXPECT_EQ(must_fail({"cutover", "--source", kSource, "--target", kTarget, "--freeze", "all"})
                .message.find("--freeze is read-only or none"),
            0u);
  // The source of status is optional and only shows the slot's retained WAL.
  auto status = must_parse({"status", "--target", kTarget, "--source", kSource});
  EXPECT_EQ(status.options.source.option("host"), "source.example");
}

TEST(CliParse, VerifyCommandTakesBothEndpointsButNotMigrateOnlyOptions) {
  auto command = must_parse({"verify", "--source", kSource, "--target", kTarget, "--jobs", "3",
                             "--report=diff.json", "--exclude-schema", "audit", "--quiet"});
  EXPECT_EQ(command.name, "verify");
  EXPECT_EQ(command.options.source.option("host"), "source.example");
  EXPECT_EQ(command.options.target.option("host"), "target.example");
  EXPECT_EQ(command.options.jobs, 3);
  EXPECT_EQ(command.options.report_path, "diff.json");
  EXPECT_EQ(command.options.filter.exclude_schemas, std::vector<std::string>{"audit"});
  EXPECT_TRUE(command.options.quiet);
  EXPECT_EQ(must_parse({"verify"}, full_environment).options.source.option("host"), "env-source");
  for (const char* migrate_only : {"--restart", "--keep-owners"}) {
    must_fail({"verify", "--source", kSource, "--target", kTarget, migrate_only});
  }
  must_fail({"verify", "--source", kSource, "--target", kTarget, "--verify", "count"});
  EXPECT_EQ(must_parse({"verify", "--source", "sqlite:/tmp/x.db", "--target", kTarget})
                .options.source.kind(),
            EndpointKind::kSqlite);
  must_fail({"verify", "--target", kTarget});
}

TEST(CliParse, UnknownCommandsAndOptions) {
  auto command = must_fail({"frobnicate", "--target", kTarget});
  EXPECT_NE(command.message.find("frobnicate"), std::string::npos);
  auto option = must_fail({"migrate", "--source", kSource, "--target", kTarget, "--bogus"});
  EXPECT_NE(option.message.find("--bogus"), std::string::npos);
  must_fail({"migrate", "--source", kSource, "--target", kTarget, "--bogus=1"});
  must_fail({"status", "--target", kTarget, "--endpos", "current"});  // not an option of status
  must_fail({"rollback", "--source", kSource, "--target", kTarget, "--reverse"});
  must_fail({"status", "--target", kTarget, "--jobs", "2"});
  must_fail({"cleanup", "--target", kTarget, "--json"});
  must_fail({"migrate", "--source", kSource, "--target", kTarget, "-j", "2"});
}

TEST(CliParse, OptionsThatNeedAValue) {
  for (const char* option :
       {"--jobs", "--source", "--target", "--report", "--verify", "--chunk-size", "--retries",
        "--include-table", "--log-format", "--maintenance-work-mem"}) {
    auto error = must_fail({"migrate", "--source", kSource, "--target", kTarget, option});
    EXPECT_NE(error.message.find(option), std::string::npos) << error.message;
  }
}

TEST(CliParse, NumbersMustBePositiveWholeNumbers) {
  for (const char* option : {"--jobs", "--retries", "--chunk-size"}) {
    for (const char* bad : {"0", "-1", "x", "3x", "1.5", "", " 2", "+2", "99999999999"}) {
      auto spaced = parse({"migrate", "--source", kSource, "--target", kTarget, option, bad},
                          empty_environment);
      EXPECT_FALSE(spaced) << option << " " << bad;
      if (!spaced) {
        EXPECT_EQ(spaced.error().kind, ErrorKind::kUsage);
      }
      auto joined = parse(
          {"migrate", "--source", kSource, "--target", kTarget, std::string(option) + "=" + bad},
          empty_environment);
      EXPECT_FALSE(joined) << option << "=" << bad;
    }
  }
  EXPECT_EQ(
      must_parse({"migrate", "--source", kSource, "--target", kTarget, "--jobs", "1"}).options.jobs,
      1);
}

TEST(CliParse, LogFormat) {
  EXPECT_EQ(must_parse({"status", "--target", kTarget, "--log-format", "text"}).log_format, "text");
  must_fail({"status", "--target", kTarget, "--log-format", "xml"});
}

TEST(CliParse, TargetMustBePostgresAndSqliteSourcesTakeTheirOptions) {
  must_fail({"migrate", "--source", kSource, "--target", "sqlite:/tmp/x.db"});
  EXPECT_EQ(must_parse({"migrate", "--source", "sqlite:/tmp/x.db", "--target", kTarget, "--cast",
                        "t.c=numeric(10,2)", "--on-type-error=null", "--timestamptz"})
                .options.on_type_error,
            "null");
  auto plan = must_parse({"plan", "--source", "sqlite:/tmp/x.db", "--target", kTarget, "--cast",
                          "t.c=text", "--on-type-error", "text", "--timestamptz"});
  EXPECT_EQ(plan.options.source.kind(), EndpointKind::kSqlite);
  EXPECT_EQ(plan.options.casts, std::vector<std::string>{"t.c=text"});
  EXPECT_EQ(plan.options.on_type_error, "text");
  EXPECT_TRUE(plan.options.timestamptz);
  auto dry =
      must_parse({"migrate", "--dry-run", "--source", "sqlite:/tmp/x.db", "--target", kTarget});
  EXPECT_TRUE(dry.dry_run);
  must_fail({"plan", "--source", "sqlite:/tmp/x.db", "--target", kTarget, "--on-type-error=skip"});
}

TEST(CliParse, HelpForms) {
  for (auto args : std::vector<std::vector<std::string>>{{}, {"--help"}, {"-h"}, {"help"}}) {
    auto command = must_parse(args);
    EXPECT_EQ(command.name, "help");
    EXPECT_FALSE(command.help);
  }
  for (auto args : std::vector<std::vector<std::string>>{
           {"help", "migrate"},
           {"--help", "migrate"},
           {"migrate", "--help"},
           {"migrate", "-h"},
           {"migrate", "--source", kSource, "--help"},  // help wins over a missing target
       }) {
    auto command = must_parse(args);
    EXPECT_EQ(command.name, "migrate");
    EXPECT_TRUE(command.help);
  }
  EXPECT_EQ(must_parse({"--version"}).name, "version");
}

TEST(CliHelp, MigrateHelpDocumentsEveryOptionTheParserAccepts) {
  auto help = command_help("migrate");
  for (const char* option :
       {"--source", "--target", "--jobs", "--report", "--include-table", "--exclude-table",
        "--exclude-schema", "--log-format", "--quiet", "--restart", "--verify", "--chunk-size",
        "--keep-owners", "--retries", "--maintenance-work-mem", "--cast", "--on-type-error",
        "--timestamptz", "sqlite:"}) {
    EXPECT_NE(help.find(option), std::string::npos) << option;
  }
  EXPECT_NE(command_help("status").find("--json"), std::string::npos);
  EXPECT_EQ(command_help("nonsense"), usage());
  auto text = usage();
  for (const char* command :
       {"migrate", "status", "cleanup", "PGSHIFT_SOURCE", "PGSHIFT_TARGET", "sqlite:///"}) {
    EXPECT_NE(text.find(command), std::string::npos) << command;
  }
}

TEST(CliHelp, CommandHelpListsAcceptedOptions) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> accepted = {
      {"status", {"--target", "--source", "--json", "--log-format"}},
      {"cutover",
       {"--source", "--target", "--max-lag", "--freeze", "--freeze-hook", "--unfreeze-hook",
        "--switch-hook", "--timeout", "--report", "--quiet", "--log-format", "--include-table",
        "--exclude-table", "--exclude-schema"}},
      {"cleanup", {"--target", "--log-format", "--quiet"}},
      {"verify",
       {"--source", "--target", "--jobs", "--report", "--include-table", "--exclude-table",
        "--exclude-schema", "--log-format", "--quiet", "--chunk-size", "--cast", "--on-type-error",
        "--timestamptz"}},
  };
  for (const auto& [command, options] : accepted) {
    auto help = command_help(command);
    for (const auto& option : options) {
      EXPECT_NE(help.find(option), std::string::npos) << command << " --help lacks " << option;
    }
  }
}

TEST(CliParse, EndpointErrorsDoNotEchoThePassword) {
  auto error =
      must_fail({"migrate", "--source", "postgresql://u:p%zzss@h/db", "--target", kTarget});
  EXPECT_EQ(error.message.find("zzss"), std::string::npos) << error.message;
  error = must_fail({"migrate", "--sourc=postgresql://u:hunter2@h/db", "--target", kTarget});
  EXPECT_EQ(error.message.find("hunter2"), std::string::npos) << error.message;
}

TEST(CliParse, UsageErrorsDoNotEchoAMisplacedUriWithItsPassword) {
  auto error = must_fail({"migrate", "postgresql://u:hunter2@h/db", "--target", kTarget});
  EXPECT_EQ(error.message.find("hunter2"), std::string::npos) << error.message;
  error =
      must_fail({"migrate", "--jobs", "--source=postgresql://u:hunter2@h/db", "--target", kTarget});
  EXPECT_EQ(error.message.find("hunter2"), std::string::npos) << error.message;
}

TEST(CliParse, PlanAndMigrateDryRun) {
  auto plan =
      must_parse({"plan", "--source", kSource, "--target", kTarget, "--exact", "--jobs", "3",
                  "--report", "p.json", "--include-internal-schemas", "--exclude-schema", "audit"});
  EXPECT_EQ(plan.name, "plan");
  EXPECT_TRUE(plan.options.exact_counts);
  EXPECT_TRUE(plan.options.include_internal_schemas);
  EXPECT_EQ(plan.options.jobs, 3);
  EXPECT_EQ(plan.options.report_path, "p.json");
  EXPECT_EQ(plan.options.filter.exclude_schemas, std::vector<std::string>{"audit"});
  auto dry =
      must_parse({"migrate", "--dry-run", "--exact", "--source", kSource, "--target", kTarget});
  EXPECT_TRUE(dry.dry_run);
  EXPECT_TRUE(dry.options.exact_counts);
  must_fail({"migrate", "--exact", "--source", kSource, "--target", kTarget});
  must_fail({"plan", "--restart", "--source", kSource, "--target", kTarget});
  must_fail({"plan", "--source", kSource});  // no target
  auto help = command_help("plan");
  for (const char* option :
       {"--source", "--target", "--jobs", "--exact", "--report", "--quiet",
        "--include-internal-schemas", "--exclude-schema", "--chunk-size", "--cast",
        "--on-type-error", "--timestamptz", "SQLite source", "Type mapping", "Dates and times"}) {
    EXPECT_NE(help.find(option), std::string::npos) << option;
  }
  EXPECT_NE(command_help("migrate").find("--dry-run"), std::string::npos);
  EXPECT_NE(usage().find("plan"), std::string::npos);
}

}  // namespace
}  // namespace pgshift::cli
