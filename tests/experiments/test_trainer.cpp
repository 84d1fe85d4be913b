// The trainer: resume is bit-identical (stop request, SIGINT, a failing step), keep-last-N, the
// run directory guards.
#include <doctest/doctest.h>

#include <csignal>
#include <cstring>

#include "experiments/helpers.hpp"
#include "experiments/run_checks.hpp"
#include "liandan/experiments/metrics.hpp"
#include "liandan/experiments/run_dir.hpp"
#include "liandan/experiments/trainer.hpp"
#include "liandan/nn/checkpoint.hpp"

using namespace liandan;
using namespace liandan::experiments;

namespace {

using test::check_same_checkpoint;
using test::untimed_metrics;

TrainOptions quiet(const fs::path& out, bool resume = false) {
  return {.out_dir = out, .resume = resume, .console = false, .after_step = {}};
}

}  // namespace

TEST_CASE("train: writes the run directory, metrics lines at log and eval steps") {
  test::ScratchDir dir("train_files");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  const TrainResult r = train(config, quiet(dir.path / "run"));
  CHECK(r.finished);
  CHECK(r.step == 30);
  const RunDir run(dir.path / "run");
  CHECK(read_file(run.config()) == config.yaml());
  CHECK(read_file(run.log()).find("finished 30 steps") != std::string::npos);
  const std::vector<json> lines = read_metrics(run.metrics());
  REQUIRE(lines.size() == 6);  // steps 5, 10, ..., 30
  CHECK(lines[0]["step"] == 5);
  CHECK(lines[0]["lr"]["no_decay"] == doctest::Approx(0.01 * 4 / 5.0));  // warmup: step 4 of 5
  CHECK(!lines[0].contains("eval_loss"));
  CHECK(lines[1].contains("eval_accuracy"));
  for (const char* key : {"loss", "grad_norm", "examples_per_s", "wall_time"})
    CHECK(lines[5].contains(key));
  const json summary = json::parse(read_file(run.summary()));
  CHECK(summary["steps"] == 30);
  CHECK(summary["final"]["loss"] == lines[5]["loss"]);
  CHECK(summary["best"]["eval_loss"]["value"].get<double>() <= lines[5]["eval_loss"].get<double>());
  // keep_checkpoints 2 of checkpoints at 10, 20, 30.
  const auto checkpoints = run.list_checkpoints();
  REQUIRE(checkpoints.size() == 2);
  CHECK(checkpoints[0].first == 20);
  CHECK(checkpoints[1].first == 30);
  // A second run into the same directory is refused.
  CHECK_THROWS_WITH_AS(train(config, quiet(dir.path / "run")),
                       doctest::Contains("already holds a run"), Error);
  // Resuming a finished run does nothing.
  CHECK(train(config, quiet(dir.path / "run", true)).finished);
}

TEST_CASE("train: stopped at step k and resumed equals the uninterrupted run bit for bit") {
  test::ScratchDir dir("train_resume");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  train(config, quiet(dir.path / "full"));
  for (const std::int64_t k : {7, 20}) {  // between checkpoints and on a checkpoint step
    CAPTURE(k);
    const fs::path out = dir.path / ("stopped" + std::to_string(k));
    TrainOptions stopping = quiet(out);
    stopping.after_step = [k](std::int64_t step) {
      if (step == k) request_stop();
    };
    const TrainResult first = train(config, stopping);
    CHECK(first.interrupted);
    CHECK(first.step == k);
    CHECK(RunDir(out).latest_checkpoint() == RunDir(out).checkpoint(k));
    CHECK(!RunDir(out).finished());
    const TrainResult second = train(config, quiet(out, true));
    CHECK(second.finished);
    CHECK(untimed_metrics(out) == untimed_metrics(dir.path / "full"));
    check_same_checkpoint(RunDir(out).checkpoint(30), RunDir(dir.path / "full").checkpoint(30));
  }
}

TEST_CASE("train: a checkpoint written before NamedTensors was unified resumes bit for bit") {
  // The fixture is step 20 of tiny_config, written by the code of commit 014bbd6
  // (tests/fixtures/gen_spiral_checkpoint.sh): the file format did not change.
  const fs::path old_checkpoint =
      fs::path(LIANDAN_FIXTURE_DIR) / "spiral_step20_before_named_tensors.h5";
  test::ScratchDir dir("train_old_checkpoint");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  train(config, quiet(dir.path / "full"));
  const fs::path out = dir.path / "resumed";
  TrainOptions stopping = quiet(out);
  stopping.after_step = [](std::int64_t step) {
    if (step == 20) request_stop();
  };
  train(config, stopping);
  // Every tensor of the old file is in the new one, bit for bit; the new one also holds the
  // options that became per group since (AdamW's amsgrad: Note [Group options]).
  check_same_checkpoint(old_checkpoint, RunDir(out).checkpoint(20), /*same_names=*/false);
  fs::copy_file(old_checkpoint, RunDir(out).checkpoint(20), fs::copy_options::overwrite_existing);
  CHECK(train(config, quiet(out, true)).finished);
  CHECK(untimed_metrics(out) == untimed_metrics(dir.path / "full"));
  check_same_checkpoint(RunDir(out).checkpoint(30), RunDir(dir.path / "full").checkpoint(30));
}

TEST_CASE("train: SIGINT saves a checkpoint at the end of the step, resuming is identical") {
  test::ScratchDir dir("train_sigint");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  train(config, quiet(dir.path / "full"));
  TrainOptions interrupted = quiet(dir.path / "run");
  interrupted.after_step = [](std::int64_t step) {
    if (step == 13) std::raise(SIGINT);
  };
  {
    StopOnSignals handler;
    const TrainResult r = train(config, interrupted);
    CHECK(r.interrupted);
    CHECK(r.step == 13);
  }
  const RunDir run(dir.path / "run");
  CHECK(run.latest_checkpoint() == run.checkpoint(13));
  CHECK(read_file(run.log()).find("interrupted at step 13") != std::string::npos);
  CHECK(train(config, quiet(run.root(), true)).finished);
  CHECK(untimed_metrics(run.root()) == untimed_metrics(dir.path / "full"));
  check_same_checkpoint(run.checkpoint(30), RunDir(dir.path / "full").checkpoint(30));
}

TEST_CASE("train: a failing step keeps the last checkpoint, and the run resumes from it") {
  test::ScratchDir dir("train_failure");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  train(config, quiet(dir.path / "full"));
  TrainOptions failing = quiet(dir.path / "run");
  failing.after_step = [](std::int64_t step) {
    check(step != 16, "simulated failure at step {}", step);
  };
  CHECK_THROWS_WITH_AS(train(config, failing), "simulated failure at step 16", Error);
  const RunDir run(dir.path / "run");
  CHECK(run.latest_checkpoint() == run.checkpoint(10));
  CHECK(read_metrics(run.metrics()).back()["step"] == 15);  // logged after the checkpoint
  CHECK(train(config, quiet(run.root(), true)).finished);
  CHECK(untimed_metrics(run.root()) ==
        untimed_metrics(dir.path / "full"));  // 15 was re-logged once
  check_same_checkpoint(run.checkpoint(30), RunDir(dir.path / "full").checkpoint(30));
}

TEST_CASE("train: --resume refuses a different config and a directory without a run") {
  test::ScratchDir dir("train_guards");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  CHECK_THROWS_WITH_AS(train(config, quiet(dir.path / "none", true)),
                       doctest::Contains("holds no run (no config.yaml)"), Error);
  TrainOptions stopping = quiet(dir.path / "run");
  stopping.after_step = [](std::int64_t step) {
    if (step == 3) request_stop();
  };
  train(config, stopping);
  const Config other = Config::parse(test::tiny_config, "tiny.yaml", {"seed=4"});
  CHECK_THROWS_WITH_AS(train(other, quiet(dir.path / "run", true)),
                       doctest::Contains("the config differs"), Error);
}

TEST_CASE("train: --resume accepts a run whose config.yaml lacks a key added since (default)") {
  test::ScratchDir dir("train_resume_older");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  TrainOptions stopping = quiet(dir.path / "run");
  stopping.after_step = [](std::int64_t step) {
    if (step == 3) request_stop();
  };
  train(config, stopping);
  // As written by a version without AdamW's per-group amsgrad option.
  const RunDir run(dir.path / "run");
  std::string text = read_file(run.config());
  const std::size_t at = text.find("amsgrad: false\n");
  REQUIRE(at != std::string::npos);
  text.erase(text.rfind('\n', at) + 1, text.find('\n', at) - text.rfind('\n', at));
  REQUIRE(text.find("amsgrad") == std::string::npos);
  write_file_atomic(run.config(), text);
  CHECK(train(config, quiet(run.root(), true)).finished);
}

TEST_CASE("RunDir: keep_last keeps the newest checkpoints, evaluate_run reads the latest") {
  test::ScratchDir dir("run_dir");
  const RunDir run(dir.path);
  fs::create_directories(run.checkpoints());
  for (int step : {5, 100, 20, 7})
    dir.write("checkpoints/" + run.checkpoint(step).filename().string(), "x");
  dir.write("checkpoints/notes.txt", "kept");
  CHECK(run.list_checkpoints().size() == 4);
  run.keep_last(2);
  const auto left = run.list_checkpoints();
  REQUIRE(left.size() == 2);
  CHECK(left[0].first == 20);
  CHECK(left[1].first == 100);
  CHECK(fs::exists(dir.path / "checkpoints/notes.txt"));

  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  train(config, quiet(dir.path / "run"));
  const auto metrics = evaluate_run(dir.path / "run");
  CHECK(metrics.at("step") == 30);
  CHECK(metrics.at("loss") ==
        doctest::Approx(
            read_metrics(RunDir(dir.path / "run").metrics()).back()["eval_loss"].get<double>()));
}
