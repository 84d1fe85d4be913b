// Crash safety of the liandan binary: a training run killed with SIGKILL at random points, or
// stopped with SIGTERM, and resumed ends bit-identical to an uninterrupted run; a second process
// on the same run directory is refused naming the first one's pid (Note [Run directory safety]).
#include <doctest/doctest.h>

#ifdef LIANDAN_CLI  // built with the liandan binary (tests/CMakeLists.txt)
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

#include "experiments/helpers.hpp"
#include "experiments/run_checks.hpp"
#include "liandan/experiments/metrics.hpp"
#include "liandan/experiments/run_dir.hpp"

using namespace liandan;
using namespace liandan::experiments;

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

// `liandan train` as a child process, its output appended to log.
pid_t spawn_train(const fs::path& config, const fs::path& out, bool resume, const fs::path& log,
                  const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {LIANDAN_CLI, "train",      config.string(),
                                   "--out",     out.string(), "--quiet"};
  if (resume) args.emplace_back("--resume");
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int err = posix_spawn(&pid, LIANDAN_CLI, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE_MESSAGE(err == 0, "cannot start ", LIANDAN_CLI);
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// "exit 0", "exit 143", "signal 9": how a child ended.
std::string ending(int status) {
  return WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status))
                             : fmt::format("exit {}", WEXITSTATUS(status));
}

// An uninterrupted run of config into out (the reference).
void reference_run(const fs::path& config, const fs::path& out, const fs::path& log) {
  const int status = wait_for(spawn_train(config, out, false, log));
  REQUIRE_MESSAGE(ending(status) == "exit 0", read_file(log));
}

// A spiral run of kSteps small steps (about a second): checkpoints every 100 steps, metrics
// every kLogInterval.
constexpr int kSteps = 3000, kLogInterval = 25;
std::string crash_config() {
  std::string text = test::tiny_config;
  const std::string train_line = fmt::format(
      "train: {{steps: {}, log_interval: {}, eval_interval: 500, checkpoint_interval: 100, "
      "keep_checkpoints: 2}}\n",
      kSteps, kLogInterval);
  const std::size_t at = text.find("train:");
  text.replace(at, text.find('\n', at) + 1 - at, train_line);
  return text;
}

// The number of complete lines in a file (0 when it is missing).
std::int64_t lines_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
}

// Interrupts a run of config into out `times` times with sig, resuming each time, then lets it
// finish; returns the endings seen. Each signal comes at a random point of the rest of the run:
// once the child has written a random number of new metrics lines (the machine's speed and load
// do not matter), plus a random 0-5 ms, so it lands in a step, a metrics write or a checkpoint.
std::vector<std::string> interrupt_and_resume(const fs::path& config, const fs::path& out, int sig,
                                              int times, std::mt19937& random,
                                              const fs::path& log) {
  std::vector<std::string> endings;
  const std::int64_t total_lines = kSteps / kLogInterval;
  for (int i = 0; i <= times; ++i) {
    const RunDir run(out);
    const bool resume = fs::exists(run.config());
    const auto latest = run.list_checkpoints();
    const std::int64_t done = latest.empty() ? 0 : latest.back().first / kLogInterval;
    const pid_t pid = spawn_train(config, out, resume, log);
    if (i < times && done + 6 < total_lines) {
      // Lines before the checkpoint are kept on resume: wait for line done + k.
      const std::int64_t target =
          std::uniform_int_distribution<std::int64_t>(done + 1, total_lines - 5)(random);
      const Clock::time_point start = Clock::now();
      int status = 0;
      while (lines_of(run.metrics()) < target && Clock::now() - start < std::chrono::seconds(30) &&
             ::waitpid(pid, &status, WNOHANG) == 0)
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      std::this_thread::sleep_for(
          std::chrono::microseconds(std::uniform_int_distribution<int>(0, 5000)(random)));
      ::kill(pid, sig);  // harmless if it has ended: the pid is not reaped yet
    }
    endings.push_back(ending(wait_for(pid)));
  }
  return endings;
}

void check_same_run(const fs::path& run, const fs::path& reference) {
  const RunDir dir(run);
  CHECK(dir.finished());
  CHECK(test::untimed_metrics(run) == test::untimed_metrics(reference));
  test::check_same_checkpoint(dir.checkpoint(kSteps), RunDir(reference).checkpoint(kSteps));
  for (const fs::path& folder : {run, dir.checkpoints()})
    for (const fs::directory_entry& e : fs::directory_iterator(folder))
      CHECK_MESSAGE(!is_temporary_name(e.path().filename().string()), e.path().string());
}

}  // namespace

TEST_CASE(
    "liandan train: killed with SIGKILL or stopped with SIGTERM at random points, resumed, "
    "ends bit-identical") {
  test::ScratchDir dir("crash_safety");
  const fs::path config = dir.write("crash.yaml", crash_config());
  const fs::path log = dir.path / "children.log";
  reference_run(config, dir.path / "reference", log);
  const unsigned seed = std::random_device{}();
  CAPTURE(seed);  // a failure names the seed of its kill times
  std::mt19937 random(seed);

  const std::vector<std::string> killed =
      interrupt_and_resume(config, dir.path / "killed", SIGKILL, 5, random, log);
  CAPTURE(fmt::format("{}", fmt::join(killed, ", ")));
  for (std::size_t i = 0; i + 1 < killed.size(); ++i)
    CHECK((killed[i] == "signal 9" || killed[i] == "exit 0"));
  CHECK(std::count(killed.begin(), killed.end(), "signal 9") >= 1);
  REQUIRE_MESSAGE(killed.back() == "exit 0", read_file(log));
  check_same_run(dir.path / "killed", dir.path / "reference");

  // SIGTERM: a graceful stop (exit 143 with a checkpoint), or the default action when it comes
  // before the handler is installed, or nothing when the run has finished.
  const std::vector<std::string> stopped =
      interrupt_and_resume(config, dir.path / "stopped", SIGTERM, 3, random, log);
  CAPTURE(fmt::format("{}", fmt::join(stopped, ", ")));
  for (std::size_t i = 0; i + 1 < stopped.size(); ++i)
    CHECK((stopped[i] == "exit 143" || stopped[i] == "signal 15" || stopped[i] == "exit 0"));
  CHECK(std::count(stopped.begin(), stopped.end(), "exit 143") >= 1);
  REQUIRE_MESSAGE(stopped.back() == "exit 0", read_file(log));
  check_same_run(dir.path / "stopped", dir.path / "reference");
}

TEST_CASE("liandan train: a second process on a running run's directory is refused with its pid") {
  test::ScratchDir dir("crash_lock");
  const fs::path config = dir.write("lock.yaml", test::tiny_config);
  const fs::path out = dir.path / "run", log = dir.path / "first.log";
  const pid_t first = spawn_train(
      config, out, false, log, {"--set", "train.steps=1000000", "--set", "train.log_interval=1"});
  // Wait (at most 30 s) until it has logged a step: it holds the lock by then.
  const Clock::time_point start = Clock::now();
  while (!RunDir(out).has_progress() && Clock::now() - start < std::chrono::seconds(30))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(RunDir(out).has_progress());
  for (const bool resume : {false, true}) {
    const fs::path second_log = dir.path / fmt::format("second_{}.log", resume);
    CHECK(ending(wait_for(spawn_train(config, out, resume, second_log))) == "exit 1");
    CHECK(read_file(second_log)
              .find(fmt::format("is in use by another liandan process (pid {}, holding", first)) !=
          std::string::npos);
  }
  ::kill(first, SIGTERM);
  CHECK(ending(wait_for(first)) == "exit 143");
  const std::string run_log = read_file(RunDir(out).log());
  CHECK(run_log.find("interrupted at step") != std::string::npos);
  CHECK(RunDir(out).latest_checkpoint().has_value());
}

#endif  // LIANDAN_CLI
