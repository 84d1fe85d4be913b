// The CLI code path end to end (train, eval, report, compare, version, errors) and the report
// table.
#include <doctest/doctest.h>

#include <iostream>
#include <sstream>

#include "experiments/helpers.hpp"
#include "liandan/core/error.hpp"
#include "liandan/experiments/cli.hpp"
#include "liandan/experiments/metrics.hpp"
#include "liandan/experiments/report.hpp"
#include "liandan/experiments/run_dir.hpp"
#include "liandan/experiments/sweep.hpp"
#include "liandan/experiments/trainer.hpp"

using namespace liandan;
using namespace liandan::experiments;

namespace {

struct CliResult {
  int code;
  std::string out, err;
};

// Runs `liandan args...` in process, capturing std::cout and std::cerr.
CliResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), "liandan");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  const int code = run_cli(static_cast<int>(argv.size()), argv.data());
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("liandan train / eval / report: a tiny run writes every file of its directory") {
  test::ScratchDir dir("cli_train");
  const auto config = dir.write("tiny.yaml", test::tiny_config);
  const std::string out = (dir.path / "run").string();
  const CliResult r = cli({"train", config.string(), "--set", "train.steps=12", "--set",
                           "optimizer.name=lion", "--out", out, "--quiet"});
  CHECK(r.code == 0);
  CHECK(r.err == "");
  const RunDir run(out);
  for (const fs::path& file :
       {run.config(), run.log(), run.metrics(), run.summary(), run.groups(), run.checkpoint(12)})
    CHECK_MESSAGE(fs::exists(file), file.string());
  CHECK(read_file(run.groups()).find("| 0.weight") != std::string::npos);
  CHECK(read_file(run.config()).find("name: lion") != std::string::npos);
  CHECK(read_file(run.config()).find("steps: 12") != std::string::npos);
  CHECK(read_metrics(run.metrics()).back()["step"] == 12);

  const CliResult e = cli({"eval", out});
  CHECK(e.code == 0);
  const json metrics = json::parse(e.out);
  CHECK(metrics["step"] == 12);
  CHECK(metrics["loss"] == json::parse(read_file(run.summary()))["final"]["eval_loss"]);

  const CliResult rep = cli({"report", out, "--out", (dir.path / "report").string(), "--no-plots"});
  CHECK(rep.code == 0);
  CHECK(rep.out.find("| lion | 1 | 12 |") != std::string::npos);
  CHECK(read_file(dir.path / "report" / "report.md").find(rep.out) != std::string::npos);
}

TEST_CASE("liandan: errors go to stderr with exit code 1") {
  test::ScratchDir dir("cli_errors");
  const auto config = dir.write("tiny.yaml", test::tiny_config);
  const CliResult bad_key = cli({"train", config.string(), "--set", "train.stepz=3", "--quiet",
                                 "--out", (dir.path / "x").string()});
  CHECK(bad_key.code == 1);
  CHECK(bad_key.err ==
        "liandan: error: --set train.stepz=3: train.stepz: unknown key (did you mean 'steps'?)\n");
  const std::string spiral = (dir.path / "spiral").string();
  CHECK(
      cli({"train", config.string(), "--set", "train.steps=10", "--out", spiral, "--quiet"}).code ==
      0);
  const CliResult sample = cli({"sample", spiral});
  CHECK(sample.code == 1);
  CHECK(sample.err.find("does not generate text") != std::string::npos);
  const CliResult version = cli({"version"});
  CHECK(version.code == 0);
  CHECK(version.out.rfind("liandan ", 0) == 0);
}

TEST_CASE("report_table: mean ± std per group over finished runs, unfinished runs listed") {
  test::ScratchDir dir("report_table");
  auto fake_run = [&](const std::string& name, const std::string& optimizer, double loss,
                      double acc) {
    const fs::path run = dir.path / name;
    fs::create_directories(run);
    dir.write(name + "/config.yaml", "task: spiral\noptimizer: {name: " + optimizer + "}\n");
    json summary = {{"steps", 100},
                    {"wall_time", 2.0},
                    {"final", {{"loss", loss}, {"eval_accuracy", acc}, {"grad_norm", 1.0}}},
                    {"best", {{"eval_accuracy", {{"value", acc + 0.01}, {"step", 50}}}}}};
    dir.write(name + "/summary.json", summary.dump());
    return run;
  };
  const std::vector<fs::path> runs = {fake_run("a0", "adamw", 0.5, 0.8),
                                      fake_run("l0", "lion", 0.25, 0.9),
                                      fake_run("a1", "adamw", 0.7, 0.9), dir.path / "unfinished"};
  fs::create_directories(dir.path / "unfinished");
  const std::string table = report_table(runs, "optimizer.name");
  CHECK(table ==
        "| optimizer.name | runs | steps | final eval_accuracy | final loss | best eval_accuracy | "
        "wall time (s) |\n"
        "|---|---|---|---|---|---|---|\n"
        "| adamw | 2 | 100 ± 0 | 0.85 ± 0.071 | 0.6 ± 0.14 | 0.86 ± 0.071 | 2 ± 0 |\n"
        "| lion | 1 | 100 | 0.9 | 0.25 | 0.91 | 2 |\n"
        "\n(skipped " +
            (dir.path / "unfinished").string() + ": no summary.json, the run has not finished)\n");
  CHECK(mean_std({1, 2, 3}) == "2 ± 1");
  CHECK(mean_std({}) == "");
}

TEST_CASE("liandan compare: a grid of runs, finished runs skipped, then the report") {
  test::ScratchDir dir("cli_compare");
  dir.write("tiny.yaml", test::tiny_config);
  const auto sweep_file = dir.write("sweep.yaml",
                                    "config: tiny.yaml\n"
                                    "grid:\n  optimizer.name: [adamw, sgd]\n  seed: [0, 1]\n"
                                    "set: {train.steps: 6, train.log_interval: 3}\n"
                                    "out: " +
                                        (dir.path / "sweep").string() + "\n");
  const Sweep sweep = load_sweep(sweep_file);
  REQUIRE(sweep.runs.size() == 4);
  CHECK(sweep.runs[1].name == "optimizer.name=adamw,seed=1");
  CHECK(sweep.group_by == "optimizer.name");
  const CliResult r = cli({"compare", sweep_file.string(), "--no-plots", "--quiet"});
  CHECK(r.code == 0);
  CHECK(r.out.find("| adamw | 2 | 6 ± 0 |") != std::string::npos);
  CHECK(r.out.find("| sgd | 2 | 6 ± 0 |") != std::string::npos);
  CHECK(fs::exists(dir.path / "sweep" / "report.md"));
  // Again: every run is finished and skipped; the report is the same.
  const std::string metrics =
      read_file(dir.path / "sweep" / "optimizer.name=sgd,seed=1" / "metrics.jsonl");
  CHECK(cli({"compare", sweep_file.string(), "--no-plots", "--quiet"}).code == 0);
  CHECK(read_file(dir.path / "sweep" / "optimizer.name=sgd,seed=1" / "metrics.jsonl") == metrics);

  const auto bad = dir.write("bad.yaml", "config: tiny.yaml\ngrid: {optimizer.nme: [adamw]}\n");
  CHECK_THROWS_WITH_AS(load_sweep(bad),
                       doctest::Contains("optimizer.nme: unknown key (did you mean 'name'?)"),
                       Error);
  const auto typo = dir.write("typo.yaml", "config: tiny.yaml\ngird: {seed: [1]}\n");
  CHECK_THROWS_WITH_AS(load_sweep(typo),
                       (typo.string() + ":2:1: gird: unknown key (did you mean 'grid'?)").c_str(),
                       Error);
}

TEST_CASE("liandan train --resume --out DIR: continues a stopped run from its own config.yaml") {
  test::ScratchDir dir("cli_resume");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  train(config,
        {.out_dir = dir.path / "full", .resume = false, .console = false, .after_step = {}});
  train(config, {.out_dir = dir.path / "run",
                 .resume = false,
                 .console = false,
                 .after_step = [](std::int64_t step) {
                   if (step == 12) request_stop();
                 }});
  CHECK(!RunDir(dir.path / "run").finished());
  const CliResult r = cli({"train", "--resume", "--out", (dir.path / "run").string(), "--quiet"});
  CHECK(r.code == 0);
  std::vector<json> a = read_metrics(RunDir(dir.path / "run").metrics());
  std::vector<json> b = read_metrics(RunDir(dir.path / "full").metrics());
  for (auto* lines : {&a, &b})
    for (json& line : *lines)
      for (const std::string& key : timing_fields) line.erase(key);
  CHECK(a == b);
  CHECK(cli({"train", "--quiet"}).err ==
        "liandan: error: train: give a CONFIG (or --resume --out DIR to continue a run with its "
        "own config.yaml)\n");
}

TEST_CASE("liandan train: a config name that would leave runs/ needs --out") {
  test::ScratchDir dir("cli_names");
  const auto config = dir.write("...yaml", test::tiny_config);
  const CliResult r = cli({"train", config.string(), "--quiet"});
  CHECK(r.code == 1);
  CHECK(r.err == "liandan: error: train: the config '" + config.string() +
                     "' gives the run name '..', which is not a directory name inside runs/; pass "
                     "--out DIR\n");
  const CliResult ok = cli({"train", config.string(), "--quiet", "--set", "train.steps=6", "--out",
                            (dir.path / "run").string()});
  CHECK_MESSAGE(ok.code == 0, ok.err);
}

TEST_CASE("liandan eval / train --resume / init_from: a damaged checkpoint is a clear error") {
  // Every way a checkpoint is loaded goes through nn::load's checksum (Note [Checkpoint
  // integrity]); one flipped byte inside the file names the file and both checksums.
  test::ScratchDir dir("cli_damaged");
  const auto config = dir.write("tiny.yaml", test::tiny_config);
  const std::string out = (dir.path / "run").string();
  train(Config::parse(test::tiny_config, "tiny.yaml"),
        {.out_dir = out, .resume = false, .console = false, .after_step = [](std::int64_t step) {
           if (step == 12) request_stop();
         }});
  const fs::path checkpoint = RunDir(out).checkpoint(12);
  REQUIRE(fs::exists(checkpoint));
  std::string bytes = read_file(checkpoint);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  std::ofstream(checkpoint, std::ios::binary | std::ios::trunc) << bytes;
  const std::string expected =
      fmt::format("liandan: error: load: '{}': checksum mismatch: ", checkpoint.string());
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"eval", out},
        std::vector<std::string>{"train", "--resume", "--out", out, "--quiet"},
        std::vector<std::string>{"train", config.string(), "--set",
                                 "init_from=" + checkpoint.string(), "--out",
                                 (dir.path / "init").string(), "--quiet"}}) {
    CAPTURE(args[0]);
    const CliResult r = cli(args);
    CHECK(r.code == 1);
    CHECK_MESSAGE(r.err.rfind(expected, 0) == 0, r.err);
  }
}
