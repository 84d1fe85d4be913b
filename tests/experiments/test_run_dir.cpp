// Run directory safety (Note [Run directory safety], Note [Failed runs]): the lock, symbolic
// links refused, names that stay inside their directory, failed runs that do not block a retry,
// temporaries of killed writers removed, a torn metrics line dropped, SIGTERM like SIGINT.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "experiments/helpers.hpp"
#include "experiments/run_checks.hpp"
#include "liandan/experiments/metrics.hpp"
#include "liandan/experiments/report.hpp"
#include "liandan/experiments/run_dir.hpp"
#include "liandan/experiments/sweep.hpp"
#include "liandan/experiments/trainer.hpp"

using namespace liandan;
using namespace liandan::experiments;

namespace {

using test::check_same_checkpoint;
using test::untimed_metrics;

// doctest::Contains of a std::string.
doctest::Contains has(const std::string& part) { return doctest::Contains(part.c_str()); }

TrainOptions quiet(const fs::path& out, bool resume = false) {
  return {.out_dir = out, .resume = resume, .console = false, .after_step = {}};
}

TrainOptions stop_at(const fs::path& out, std::int64_t at) {
  TrainOptions options = quiet(out);
  options.after_step = [at](std::int64_t step) {
    if (step == at) request_stop();
  };
  return options;
}

}  // namespace

TEST_CASE("RunLock: a second train on a locked run directory is refused naming the holder's pid") {
  test::ScratchDir dir("run_lock");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  const RunDir run(dir.path / "run");
  fs::create_directories(run.root());
  {
    const RunLock held(run);
    const std::string holder =
        fmt::format("is in use by another liandan process (pid {}", ::getpid());
    CHECK_THROWS_WITH_AS(train(config, quiet(run.root())), has(holder), Error);
    CHECK_THROWS_WITH_AS(train(config, quiet(run.root(), true)), doctest::Contains("holds no run"),
                         Error);  // checked before the lock
    CHECK_THROWS_WITH_AS(RunLock{run}, has(holder), Error);
    CHECK(!fs::exists(run.config()));  // the refused train wrote nothing
  }
  // Released with its holder; the lock file alone is no run.
  CHECK(read_file(run.lock()) == fmt::format("{}\n", ::getpid()));
  train(config, stop_at(run.root(), 3));
  {
    const RunLock held(run);
    CHECK_THROWS_WITH_AS(train(config, quiet(run.root(), true)),
                         doctest::Contains("in use by another liandan process"), Error);
  }
  CHECK(train(config, quiet(run.root(), true)).finished);
}

TEST_CASE("RunDir: a checkpoints/ linked to another run's is refused, that run keeps its files") {
  test::ScratchDir dir("run_links");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  const RunDir other(dir.path / "other"), run(dir.path / "run");
  train(config, quiet(other.root()));
  REQUIRE(other.list_checkpoints().size() == 2);
  train(config, stop_at(run.root(), 3));
  fs::remove_all(run.checkpoints());
  fs::create_directory_symlink(other.checkpoints(), run.checkpoints());
  const std::string refused = fmt::format("'{}' is a symbolic link", run.checkpoints().string());
  CHECK_THROWS_WITH_AS(train(config, quiet(run.root(), true)), has(refused), Error);
  CHECK_THROWS_WITH_AS(run.keep_last(1), has(refused), Error);
  CHECK(other.list_checkpoints().size() == 2);
}

TEST_CASE("RunDir: run.log, metrics.jsonl or a sample linked elsewhere is refused, not written") {
  test::ScratchDir dir("run_file_links");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  const fs::path target = dir.write("target.txt", "keep\n");
  for (const char* name : {"run.log", "metrics.jsonl", "samples_step_10.png"}) {
    CAPTURE(name);
    const RunDir run(dir.path / fmt::format("run_{}", name));
    fs::create_directories(run.root());
    fs::create_symlink(target, run.root() / name);
    CHECK_THROWS_WITH_AS(train(config, quiet(run.root())),
                         has(fmt::format("'{}' is a symbolic link: liandan does not "
                                         "follow links inside a run directory",
                                         (run.root() / name).string())),
                         Error);
    CHECK(read_file(target) == "keep\n");
  }
  // A link to a checkpoint file is refused too; appending never follows a link.
  const RunDir run(dir.path / "run");
  train(config, stop_at(run.root(), 3));
  fs::create_symlink(target, run.checkpoint(7));
  CHECK_THROWS_WITH_AS(run.list_checkpoints(), doctest::Contains("is a symbolic link"), Error);
  fs::remove(run.checkpoint(7));
  fs::remove(run.metrics());
  fs::create_symlink(target, run.metrics());
  CHECK_THROWS_WITH_AS(append_metrics(run.metrics(), json{{"step", 1}}),
                       doctest::Contains("it is a symbolic link"), Error);
  CHECK(read_file(target) == "keep\n");
}

TEST_CASE("load_sweep: grid values with '/' or '..' name a directory inside the sweep's out") {
  test::ScratchDir dir("sweep_names");
  dir.write("tiny.yaml", test::tiny_config);
  const auto sweep_file =
      dir.write("sweep.yaml", "config: tiny.yaml\ngrid:\n  init_from: ['../../x', 'a/b%c', ..]\n");
  const Sweep sweep = load_sweep(sweep_file);
  REQUIRE(sweep.runs.size() == 3);
  CHECK(sweep.runs[0].name == "init_from=..%2F..%2Fx");
  CHECK(sweep.runs[1].name == "init_from=a%2Fb%25c");
  CHECK(sweep.runs[2].name == "init_from=..");
  for (const SweepRun& run : sweep.runs) {
    CAPTURE(run.name);
    CHECK((sweep.out / run.name).lexically_normal().parent_path() == sweep.out.lexically_normal());
  }
  CHECK(sweep.runs[0].overrides.back() == "init_from=../../x");  // the value itself is kept
}

TEST_CASE("train: a run that failed during start-up does not block the corrected command") {
  test::ScratchDir dir("failed_start");
  const Config good = Config::parse(test::tiny_config, "tiny.yaml");
  const Config bad =
      Config::parse(test::tiny_config, "tiny.yaml", {"init_from=" + (dir.path / "no.h5").string()});
  const RunDir run(dir.path / "run");
  CHECK_THROWS_AS(train(bad, quiet(run.root())), Error);
  REQUIRE(fs::exists(run.config()));
  CHECK(!run.has_progress());
  // A fresh start with the corrected config replaces the attempt...
  CHECK(train(good, stop_at(run.root(), 12)).interrupted);
  CHECK(read_file(run.log()).find("never completed a step: starting afresh") != std::string::npos);
  CHECK(read_file(run.config()) == good.yaml());
  // ...and once the run has steps, another config is refused with what to do.
  const Config other = Config::parse(test::tiny_config, "tiny.yaml", {"seed=4"});
  CHECK_THROWS_WITH_AS(train(other, quiet(run.root())),
                       doctest::Contains("already holds a run (its latest checkpoint is at step "
                                         "12): pass --resume to continue it"),
                       Error);
  CHECK_THROWS_WITH_AS(train(other, quiet(run.root(), true)),
                       has("so it continues only with its own config: liandan train "
                           "--resume --out " +
                           run.root().string()),
                       Error);
  CHECK(train(good, quiet(run.root(), true)).finished);
  train(good, quiet(dir.path / "full"));
  CHECK(untimed_metrics(run.root()) == untimed_metrics(dir.path / "full"));

  // --resume with the corrected config replaces a failed attempt as well.
  const RunDir again(dir.path / "again");
  CHECK_THROWS_AS(train(bad, quiet(again.root())), Error);
  CHECK(train(good, quiet(again.root(), true)).finished);
  CHECK(untimed_metrics(again.root()) == untimed_metrics(dir.path / "full"));
  check_same_checkpoint(again.checkpoint(30), RunDir(dir.path / "full").checkpoint(30));
}

TEST_CASE("train: temporaries of a killed writer are removed, a torn metrics line is dropped") {
  test::ScratchDir dir("torn");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  train(config, quiet(dir.path / "full"));
  const RunDir run(dir.path / "run");
  train(config, stop_at(run.root(), 12));
  dir.write("run/checkpoints/step_00000013.h5.tmp-999999999", "half a checkpoint");
  dir.write("run/config.yaml.tmp-123", "half a config");
  dir.write("run/notes.tmp-x", "not ours");
  {
    std::ofstream out(run.metrics(), std::ios::app);
    out << R"({"step": 15, "loss": 0.)";  // a write cut short by kill -9
  }
  CHECK_THROWS_WITH_AS(read_metrics(run.metrics()), doctest::Contains(":3: not a JSON object"),
                       Error);
  CHECK(train(config, quiet(run.root(), true)).finished);
  const std::string log = read_file(run.log());
  CHECK(log.find("removed 2 temporary file(s)") != std::string::npos);
  CHECK(log.find("warning: dropped the torn last line of " + run.metrics().string() +
                 " (a write cut short): '{\"step\": 15, \"loss\": 0.'") != std::string::npos);
  CHECK(!fs::exists(run.checkpoints() / "step_00000013.h5.tmp-999999999"));
  CHECK(!fs::exists(run.root() / "config.yaml.tmp-123"));
  CHECK(fs::exists(run.root() / "notes.tmp-x"));
  CHECK(untimed_metrics(run.root()) == untimed_metrics(dir.path / "full"));
  CHECK(is_temporary_name("step_00000010.h5.tmp-42"));
  CHECK(!is_temporary_name("step_00000010.h5.tmp-"));
  CHECK(!is_temporary_name(".tmp-42"));
}

TEST_CASE("train: SIGTERM stops like SIGINT with a checkpoint; resuming is identical") {
  test::ScratchDir dir("sigterm");
  const Config config = Config::parse(test::tiny_config, "tiny.yaml");
  train(config, quiet(dir.path / "full"));
  TrainOptions interrupted = quiet(dir.path / "run");
  interrupted.after_step = [](std::int64_t step) {
    if (step == 17) std::raise(SIGTERM);
  };
  {
    const StopOnSignals handler;
    const TrainResult r = train(config, interrupted);
    CHECK(r.interrupted);
    CHECK(r.step == 17);
    CHECK(stop_signal_number() == SIGTERM);
  }
  const RunDir run(dir.path / "run");
  CHECK(run.latest_checkpoint() == run.checkpoint(17));
  CHECK(train(config, quiet(run.root(), true)).finished);
  CHECK(untimed_metrics(run.root()) == untimed_metrics(dir.path / "full"));
  check_same_checkpoint(run.checkpoint(30), RunDir(dir.path / "full").checkpoint(30));
}

TEST_CASE("StopOnSignals: a second SIGTERM or SIGINT kills the process at once") {
  for (const int sig : {SIGTERM, SIGINT}) {
    CAPTURE(sig);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      const StopOnSignals handler;
      std::raise(sig);  // the first asks for a stop
      if (!stop_requested() || stop_signal_number() != sig) ::_exit(3);
      std::raise(sig);  // the second does not wait
      ::_exit(4);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == sig);
  }
}

TEST_CASE(
    "RunDir / report: a huge step in a checkpoint name or a broken summary.json names the "
    "file (no raw stoll or JSON error text)") {
  test::ScratchDir dir("run_dir_names");
  const RunDir run(dir.path);
  fs::create_directories(run.checkpoints());
  dir.write("checkpoints/step_99999999999999999999.h5", "x");
  CHECK_THROWS_WITH_AS(run.list_checkpoints(),
                       has("step_99999999999999999999.h5': the step 99999999999999999999 in the "
                           "checkpoint's name is out of range"),
                       Error);
  dir.write("summary.json", "{\"final\": ");
  CHECK_THROWS_WITH_AS(report_table({dir.path}, "optimizer.name"),
                       has("report: '" + run.summary().string() + "': [json.exception.parse_error"),
                       Error);
}
