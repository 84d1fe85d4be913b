// The training loop: see Note [Bit-identical resume] in trainer.hpp.
#include "liandan/experiments/trainer.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cmath>

#include <csignal>
#include <limits>
#include <new>

#include "liandan/core/cpu.hpp"
#include "liandan/core/random.hpp"
#include "liandan/experiments/checkpointing.hpp"
#include "liandan/experiments/metrics.hpp"
#include "liandan/experiments/optimizers.hpp"
#include "liandan/experiments/run_dir.hpp"
#include "liandan/experiments/schedules.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/optim/clip_grad.hpp"
#include "liandan/optim/param_groups.hpp"
#include "run_log.hpp"

namespace liandan::experiments {
namespace {

// Note [Stop flag]: the globals of the experiments layer, because a signal handler can only
// reach a global; lock-free so that setting them from the handler is safe. stop_signal holds the
// signal that asked for the stop (0: none); a second signal while one is pending kills the
// process the default way (Note [Signals]).
std::atomic<bool> stop_flag{false};
std::atomic<int> stop_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

// Note [Signals]: SIGINT (Ctrl-C) and SIGTERM (Slurm, systemd, docker stop, mpirun) both ask the
// running train() to save a checkpoint after the current step and return; the process exits
// with 128 + the signal. A second one forces the exit at once: the handler restores the default
// action and raises the signal again (checkpoints are written atomically, so nothing is torn).
// Only async-signal-safe calls here: atomics, write, signal, raise.
void on_stop_signal(int sig) {
  if (stop_signal.exchange(sig) != 0) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  stop_flag.store(true);
  static constexpr char message[] =
      "\nliandan: stopping after this step (a checkpoint is saved); send the signal again "
      "(Ctrl-C) to quit at once\n";
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, message, sizeof(message) - 1);
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The first line where two YAML texts differ, for the resume check.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(sa, la));
    const bool gb = static_cast<bool>(std::getline(sb, lb));
    if (!ga && !gb) return "";
    if (!ga || !gb || la != lb)
      return fmt::format("run has '{}', the config gives '{}'", ga ? la : "(end)",
                         gb ? lb : "(end)");
  }
}

// What a previous attempt left: "checkpoint at step K", "N metrics lines".
std::string progress_of(const RunDir& dir) {
  if (const auto latest = dir.list_checkpoints(); !latest.empty())
    return fmt::format("its latest checkpoint is at step {}", latest.back().first);
  return fmt::format("{} holds {} lines", dir.metrics().string(),
                     read_metrics(dir.metrics()).size());
}

// Prepares out_dir, which the caller has locked: a new run (refusing to overwrite one) or a
// resume of the same config. A directory whose run never completed a step (no checkpoint, no
// metrics line: it failed during start-up) does not block a corrected command: a fresh start
// or a --resume with another config replaces it (Note [Failed runs]). Returns what it replaced,
// for the log ("" when nothing).
std::string prepare_dir(const RunDir& dir, const Config& config, bool resume) {
  const std::string text = config.yaml();
  std::string replaced;
  const auto start_over = [&](const std::string& why) {
    for (const fs::path& file : {dir.config(), dir.metrics(), dir.groups(), dir.summary()})
      fs::remove(file);
    replaced = why;
  };
  if (resume) {
    check(fs::exists(dir.config()),
          "--resume: '{}' holds no run (no config.yaml); start it without --resume",
          dir.root().string());
    // The run's config is resolved again through today's schema, so a run written by an
    // earlier version (a key added since with its default, keys in another order) resumes;
    // a key removed since is an error naming it.
    std::string diff;
    try {
      diff = first_difference(Config::load(dir.config().string()).yaml(), text);
    } catch (const Error& e) {
      if (dir.has_progress()) throw;
      diff = fmt::format("its config.yaml is not valid: {}", e.what());
    }
    if (!diff.empty()) {
      check(!dir.has_progress(),
            "--resume: the config differs from '{}': {}. The run has completed steps ({}), so it "
            "continues only with its own config: liandan train --resume --out {}; to start over "
            "with this config, choose another --out or delete '{}'",
            dir.config().string(), diff, progress_of(dir), dir.root().string(),
            dir.root().string());
      start_over(fmt::format("its config differed ({}) and it never completed a step", diff));
    }
  } else if (fs::exists(dir.config()) || fs::exists(dir.metrics())) {
    check(!dir.has_progress(),
          "'{}' already holds a run ({}): pass --resume to continue it, or choose another --out "
          "(or delete the directory to start over)",
          dir.root().string(), progress_of(dir));
    start_over("it never completed a step");
  }
  if (!fs::exists(dir.config())) write_file_atomic(dir.config(), text);
  fs::create_directories(dir.checkpoints());
  return replaced;
}

// The FID classifier of a run config: loaded when the task takes one and eval.fid_classifier
// names a run.
std::shared_ptr<ImageFeatures> fid_classifier_of(const Config& config) {
  if (!config.has("eval.fid_classifier")) return nullptr;
  const auto dir = config.get<std::string>("eval.fid_classifier");
  return dir.empty() ? nullptr : load_fid_classifier(dir);
}

}  // namespace

void request_stop() { stop_flag.store(true); }
bool stop_requested() { return stop_flag.load(); }
int stop_signal_number() { return stop_signal.load(); }

StopOnSignals::StopOnSignals() {
  stop_signal.store(0);
  previous_int_ = std::signal(SIGINT, on_stop_signal);
  previous_term_ = std::signal(SIGTERM, on_stop_signal);
}
StopOnSignals::~StopOnSignals() {
  std::signal(SIGINT, previous_int_);
  std::signal(SIGTERM, previous_term_);
}

namespace {

TrainResult train_locked(const Config& config, const TrainOptions& options, const RunDir& dir);

}  // namespace

TrainResult train(const Config& config, const TrainOptions& options) {
  stop_flag.store(false);
  const RunDir dir(options.out_dir);
  if (options.resume)
    check(fs::exists(dir.config()),
          "--resume: '{}' holds no run (no config.yaml); start it without --resume",
          dir.root().string());
  fs::create_directories(dir.root());
  const RunLock lock(dir);  // Note [Run directory safety]
  try {
    return train_locked(config, options, dir);
  } catch (const std::bad_alloc&) {
    throw Error(fmt::format(
        "{}: out of memory (std::bad_alloc): the model or the batch is too large for this "
        "machine; reduce model.* or data.batch_size",
        dir.root().string()));
  }
}

namespace {

TrainResult train_locked(const Config& config, const TrainOptions& options, const RunDir& dir) {
  dir.check_no_links();
  const std::size_t temporaries = dir.remove_temporaries();
  const std::string replaced = prepare_dir(dir, config, options.resume);
  const auto total = config.get<std::int64_t>("train.steps");
  const auto log_interval = config.get<std::int64_t>("train.log_interval");
  const auto eval_interval = config.get<std::int64_t>("train.eval_interval");
  const auto checkpoint_interval = config.get<std::int64_t>("train.checkpoint_interval");
  const auto keep = config.get<std::int64_t>("train.keep_checkpoints");
  RunLog log(dir.log().string(), options.console, total);
  if (temporaries > 0)
    log.info("removed {} temporary file(s) that a killed run left in {}", temporaries,
             dir.root().string());
  if (!replaced.empty())
    log.info("{}: the previous attempt left files but {}: starting afresh", dir.root().string(),
             replaced);

  if (const auto threads = config.get<std::int64_t>("threads"); threads > 0)
    core::set_num_threads(static_cast<int>(threads));
  std::shared_ptr<ImageFeatures> fid_classifier = fid_classifier_of(config);
  core::manual_seed(config.get<std::uint64_t>("seed"));
  const std::unique_ptr<Task> task = make_task(config, std::move(fid_classifier));
  if (const auto init = config.get<std::string>("init_from"); !init.empty())
    load_model(init, *task);  // a resumed run then loads its own checkpoint over it
  OptimizerSetup setup = make_optimizer(config, task->model());
  optim::Optimizer& optimizer = *setup.optimizer;
  const optim::Schedule schedule = make_schedule(config);
  const NamedParameters named_params = task->model().named_parameters();
  TrainerState state;
  const std::optional<fs::path> latest = options.resume ? dir.latest_checkpoint() : std::nullopt;
  if (!latest) write_file_atomic(dir.groups(), optim::format_groups(optimizer));
  if (latest) state = load_checkpoint(*latest, *task, optimizer);
  if (const std::string torn = truncate_metrics(dir.metrics(), state.step); !torn.empty())
    log.info("warning: dropped the torn last line of {} (a write cut short): '{}'",
             dir.metrics().string(), torn.size() > 80 ? torn.substr(0, 80) + "..." : torn);
  if (latest)
    log.info("resuming {} from step {} ({})", dir.root().string(), state.step, latest->string());
  else
    log.info("run {}: task {}, {} parameters, optimizer {}, schedule {}, {} steps",
             dir.root().string(), config.get<std::string>("task"), task->model().num_parameters(),
             optimizer.name(), schedule.str(), total);
  log.info("cpu: {} kernels (detected {}), {} threads", core::cpu::name(core::cpu::isa()),
           core::cpu::name(core::cpu::detected_isa()), core::num_threads());
  if (state.step >= total && dir.finished()) {
    log.info("the run already finished at step {}", state.step);
    return {.step = state.step, .finished = true, .interrupted = false};
  }

  const Clock::time_point start = Clock::now();
  const double wall_before = state.wall_time;
  Clock::time_point window_start = start;
  std::int64_t window_examples = 0, window_tokens = 0, window_steps = 0;
  double rate = 0;
  const double max_norm =
      setup.clip_grad_norm > 0 ? setup.clip_grad_norm : std::numeric_limits<double>::infinity();
  // One update of the parameters under prefix: Note [Multi-update steps] in tasks.hpp.
  const UpdateFn update = [&](const Tensor& loss, const std::string& prefix) {
    optimizer.zero_grad();
    loss.backward();
    std::vector<Tensor> updated;
    for (const auto& [name, p] : named_params) {
      if (name.starts_with(prefix))
        updated.push_back(p);
      else
        p.zero_grad(/*set_to_none=*/true);
    }
    const double grad_norm = optim::clip_grad_norm_(updated, max_norm);
    optimizer.step();
    return grad_norm;
  };
  while (state.step < total) {
    const Batch batch = task->next_batch();
    optim::apply_schedule(optimizer, schedule, state.step);
    const StepResult result = task->train_step(batch, update);
    const double loss_value = result.loss.item();
    const double grad_norm = result.grad_norm;
    check(std::isfinite(loss_value),
          "step {}: the training loss is {}; stopping, the last checkpoint is kept", state.step + 1,
          loss_value);
    ++state.step;
    window_examples += batch.examples, window_tokens += batch.tokens, ++window_steps;
    if (options.after_step) options.after_step(state.step);
    state.wall_time = wall_before + seconds_since(start);
    const double window = seconds_since(window_start);
    const bool tokens = batch.tokens > 0;
    if (window > 0) rate = (tokens ? window_tokens : window_examples) / window;
    const double eta = window_steps > 0 ? (total - state.step) * window / window_steps : 0;
    log.progress(state.step, loss_value, rate, tokens ? "tok" : "ex", eta);

    const bool log_due = state.step % log_interval == 0 || state.step == total;
    const bool eval_due = state.step % eval_interval == 0 || state.step == total;
    if (log_due || eval_due) {
      json line = {{"step", state.step}, {"loss", loss_value}};
      json lrs = json::object();
      for (std::size_t g = 0; g < optimizer.param_groups().size(); ++g)
        lrs[optimizer.param_groups()[g].name] = optimizer.lr(g);
      line["lr"] = lrs;
      line["grad_norm"] = grad_norm;
      for (const auto& [name, value] : result.extra) line[name] = value;
      line[tokens ? "tokens_per_s" : "examples_per_s"] = rate;
      line["wall_time"] = state.wall_time;
      std::string eval_text;
      if (eval_due) {
        const EvalScope scope(task->model());
        for (const auto& [name, value] : task->evaluate()) {
          line["eval_" + name] = value;
          eval_text += fmt::format(" eval_{} {:.4f}", name, value);
        }
        task->save_samples(dir.root(), state.step);
      }
      append_metrics(dir.metrics(), line);
      log.step_line(fmt::format("step {}/{} loss {:.4f} lr {:.3g} grad_norm {:.3g} {} {}/s{}",
                                state.step, total, loss_value,
                                optimizer.lr(optimizer.param_groups().size() - 1), grad_norm,
                                format_count(rate), tokens ? "tok" : "ex", eval_text));
      window_start = Clock::now(), window_examples = window_tokens = window_steps = 0;
    }
    const bool stop = stop_requested();
    if (state.step == total || stop ||
        (checkpoint_interval > 0 && state.step % checkpoint_interval == 0)) {
      save_checkpoint(dir.checkpoint(state.step), *task, optimizer, state);
      dir.keep_last(static_cast<std::size_t>(keep));
    }
    if (stop && state.step < total) {
      log.end_progress();
      log.info("interrupted at step {}: checkpoint {} written; continue with --resume", state.step,
               dir.checkpoint(state.step).string());
      return {.step = state.step, .finished = false, .interrupted = true};
    }
  }
  log.end_progress();
  json summary = summarize(read_metrics(dir.metrics()), [&](const std::string& metric) {
    return task->higher_is_better(metric);
  });
  summary["wall_time"] = state.wall_time;
  summary["task"] = config.get<std::string>("task");
  summary["optimizer"] = config.get<std::string>("optimizer.name");
  write_file_atomic(dir.summary(), summary.dump(2) + "\n");
  log.info("finished {} steps in {}: {}", state.step, format_duration(state.wall_time),
           summary["final"].dump());
  return {.step = state.step, .finished = true, .interrupted = false};
}

}  // namespace

namespace {

// Restores the default generator's state when it goes out of scope.
class KeepDefaultGenerator {
 public:
  KeepDefaultGenerator()
      : seed_(core::default_generator().seed()), offset_(core::default_generator().offset()) {}
  ~KeepDefaultGenerator() { core::default_generator().set_state(seed_, offset_); }
  KeepDefaultGenerator(const KeepDefaultGenerator&) = delete;
  KeepDefaultGenerator& operator=(const KeepDefaultGenerator&) = delete;

 private:
  std::uint64_t seed_, offset_;
};

}  // namespace

TrainedRun load_trained_run(const fs::path& run_dir, const std::string& op) {
  const RunDir dir(run_dir);
  check(fs::exists(dir.config()), "{}: '{}' holds no run (no config.yaml)", op, run_dir.string());
  const Config config = Config::load(dir.config().string());
  const std::optional<fs::path> latest = dir.latest_checkpoint();
  check(latest.has_value(), "{}: '{}' has no checkpoint", op, run_dir.string());
  TrainedRun run{.task = nullptr, .task_name = config.get<std::string>("task"), .step = 0};
  {
    // The model's initialisation draws from the default generator; the checkpoint replaces it.
    const KeepDefaultGenerator keep;
    core::manual_seed(config.get<std::uint64_t>("seed"));
    run.task = make_task(config, fid_classifier_of(config));
  }
  run.step = load_model(*latest, *run.task);
  return run;
}

std::shared_ptr<ImageFeatures> load_fid_classifier(const fs::path& run_dir) {
  const std::string how_to_train = fmt::format(
      "train the classifier first: liandan train experiments/configs/fid_classifier.yaml --out {}",
      run_dir.string());
  const RunDir run(run_dir);
  check(fs::exists(run.config()), "eval.fid_classifier: '{}' holds no run (no config.yaml); {}",
        run_dir.string(), how_to_train);
  check(run.latest_checkpoint().has_value(), "eval.fid_classifier: '{}' has no checkpoint; {}",
        run_dir.string(), how_to_train);
  TrainedRun trained = load_trained_run(run_dir, "eval.fid_classifier");
  auto* features = dynamic_cast<ImageFeatures*>(trained.task.get());
  check(features != nullptr,
        "eval.fid_classifier: '{}' is a run of task '{}', which gives no image features; {}",
        run_dir.string(), trained.task_name, how_to_train);
  trained.task->model().eval();
  // Shares ownership of the task, points at its ImageFeatures side.
  return {std::shared_ptr<Task>(std::move(trained.task)), features};
}

namespace {

// The task of a finished or running run, with the model of its latest checkpoint, run with the
// run's thread count.
std::pair<std::unique_ptr<Task>, std::int64_t> load_run(const fs::path& run_dir, const char* op) {
  const RunDir dir(run_dir);
  if (fs::exists(dir.config()))
    if (const auto threads = Config::load(dir.config().string()).get<std::int64_t>("threads");
        threads > 0)
      core::set_num_threads(static_cast<int>(threads));
  TrainedRun run = load_trained_run(run_dir, op);
  return {std::move(run.task), run.step};
}

}  // namespace

std::map<std::string, double> evaluate_run(const std::filesystem::path& run_dir) {
  const auto [task, step] = load_run(run_dir, "eval");
  const EvalScope scope(task->model());
  std::map<std::string, double> metrics = task->evaluate();
  metrics["step"] = static_cast<double>(step);
  return metrics;
}

std::string sample_run(const std::filesystem::path& run_dir, const SampleOptions& options) {
  const auto [task, step] = load_run(run_dir, "sample");
  auto* sampler = dynamic_cast<TextSampler*>(task.get());
  check(sampler != nullptr, "sample: the task of '{}' does not generate text", run_dir.string());
  const EvalScope scope(task->model());
  return sampler->sample(options.prompt, options.tokens, options.temperature, options.seed);
}

}  // namespace liandan::experiments
