// The liandan command line: each subcommand parses its arguments and calls the library.
#include "liandan/experiments/cli.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>
#include <new>

#include "liandan/core/cpu.hpp"
#include "liandan/experiments/config.hpp"
#include "liandan/experiments/metrics.hpp"
#include "liandan/experiments/optimizers.hpp"
#include "liandan/experiments/report.hpp"
#include "liandan/experiments/run_dir.hpp"
#include "liandan/experiments/schedules.hpp"
#include "liandan/experiments/sweep.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/experiments/trainer.hpp"

namespace liandan::experiments {
namespace {

const std::string version_text = std::string("liandan ") + LIANDAN_VERSION;

// The exit code of a run stopped by a signal: 128 + the signal, as a shell reports a process
// that the signal killed (130 for Ctrl-C, 143 for SIGTERM).
int stopped_exit_code() {
  const int sig = stop_signal_number();
  return 128 + (sig != 0 ? sig : SIGINT);
}

struct TrainArgs {
  std::string config;
  std::vector<std::string> set;
  std::string out;
  bool resume = false;
  bool quiet = false;
};

int train_command(const TrainArgs& args) {
  check(!args.config.empty() || (args.resume && !args.out.empty()),
        "train: give a CONFIG (or --resume --out DIR to continue a run with its own config.yaml)");
  // The default run directory runs/<config name> must stay inside runs/ (a config named
  // "...yaml" has the stem "..").
  const std::string name = fs::path(args.config).stem().string();
  check(!args.out.empty() || (name != "." && name != ".." && !name.empty()),
        "train: the config '{}' gives the run name '{}', which is not a directory name inside "
        "runs/; pass --out DIR",
        args.config, name);
  const fs::path out = !args.out.empty() ? fs::path(args.out) : fs::path("runs") / name;
  const std::string config_path = args.config.empty() ? RunDir(out).config().string() : args.config;
  const Config config = Config::load(config_path, args.set);
  const StopOnSignals signals;
  const TrainResult result = train(
      config, {.out_dir = out, .resume = args.resume, .console = !args.quiet, .after_step = {}});
  return result.interrupted ? stopped_exit_code() : 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"liandan: a deep-learning training framework with its own autodiff (炼丹)"};
  app.set_version_flag("--version", version_text);
  app.require_subcommand(0, 1);

  TrainArgs train_args;
  CLI::App* train_cmd = app.add_subcommand("train", "train a run from a YAML config");
  train_cmd->add_option("CONFIG", train_args.config, "the run config (YAML)");
  train_cmd->add_option("--set", train_args.set, "override a config key: key.sub=value")
      ->allow_extra_args(false);
  train_cmd->add_option("--out", train_args.out, "the run directory (default runs/<config name>)");
  train_cmd->add_flag("--resume", train_args.resume, "continue from the latest checkpoint");
  train_cmd->add_flag("--quiet", train_args.quiet, "log to run.log only");

  std::string eval_dir;
  CLI::App* eval_cmd = app.add_subcommand("eval", "evaluate a run's latest checkpoint");
  eval_cmd->add_option("RUN_DIR", eval_dir, "the run directory")->required();

  std::vector<std::string> report_dirs;
  ReportOptions report_options;
  std::string report_out = ".";
  bool no_plots = false;
  CLI::App* report_cmd = app.add_subcommand("report", "a Markdown table and plots over runs");
  report_cmd->add_option("RUN_DIR", report_dirs, "run directories")->required();
  report_cmd->add_option("--group-by", report_options.group_by, "group runs by this config key");
  report_cmd->add_option("--out", report_out, "where report.md and the PNGs go");
  report_cmd->add_flag("--no-plots", no_plots, "only the table");

  std::string sweep_file;
  bool compare_quiet = false;
  CLI::App* compare_cmd =
      app.add_subcommand("compare", "run a sweep (a grid of runs), then report");
  compare_cmd->add_option("SWEEP", sweep_file, "the sweep file (YAML)")->required();
  compare_cmd->add_flag("--no-plots", no_plots, "only the table");
  compare_cmd->add_flag("--quiet", compare_quiet, "log to each run.log only");

  std::string sample_dir;
  SampleOptions sample_options;
  CLI::App* sample_cmd = app.add_subcommand("sample", "generate text from a language-model run");
  sample_cmd->add_option("RUN_DIR", sample_dir, "the run directory")->required();
  sample_cmd->add_option("--prompt", sample_options.prompt, "text to continue");
  sample_cmd->add_option("--tokens", sample_options.tokens, "bytes to generate");
  sample_cmd->add_option("--temperature", sample_options.temperature, "sampling temperature");
  sample_cmd->add_option("--seed", sample_options.seed, "sampling seed");

  CLI::App* options_cmd = app.add_subcommand(
      "options", "print the config keys of every optimizer, schedule or task as Markdown tables");
  std::string options_kind = "optimizers";
  options_cmd->add_option("KIND", options_kind, "optimizers (default), schedules or tasks")
      ->check(CLI::IsMember({"optimizers", "schedules", "tasks"}));
  CLI::App* version_cmd = app.add_subcommand("version", "print the version");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*train_cmd) return train_command(train_args);
    if (*eval_cmd) {
      json out = json::object();
      for (const auto& [name, value] : evaluate_run(eval_dir)) out[name] = value;
      std::cout << out.dump() << "\n";
      return 0;
    }
    if (*report_cmd) {
      report_options.out_dir = report_out;
      report_options.plots = !no_plots;
      std::vector<fs::path> runs(report_dirs.begin(), report_dirs.end());
      std::cout << write_report(runs, report_options);
      return 0;
    }
    if (*compare_cmd) {
      const Sweep sweep = load_sweep(sweep_file);
      const StopOnSignals signals;
      std::cout << run_sweep(sweep, {.console = !compare_quiet, .plots = !no_plots});
      return stop_requested() ? stopped_exit_code() : 0;
    }
    if (*sample_cmd) {
      std::cout << sample_run(sample_dir, sample_options) << "\n";
      return 0;
    }
    if (*options_cmd) {
      std::cout << (options_kind == "optimizers"  ? optimizer_options_markdown()
                    : options_kind == "schedules" ? schedule_options_markdown()
                                                  : task_options_markdown());
      return 0;
    }
    if (*version_cmd) {
      const std::string_view isa = core::cpu::name(core::cpu::isa());  // LIANDAN_ISA is checked
      std::cout << version_text << "\ncpu: " << isa << " (detected "
                << core::cpu::name(core::cpu::detected_isa()) << ")\n";
      return 0;
    }
    std::cout << app.help();
    return 0;
  } catch (const std::bad_alloc&) {
    std::cerr << "liandan: error: out of memory (std::bad_alloc): the model or the data is too "
                 "large for this machine\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "liandan: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace liandan::experiments
