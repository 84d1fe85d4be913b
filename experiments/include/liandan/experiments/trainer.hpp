// The training loop of a run: config in, run directory out (run_dir.hpp), resumable.
//
// Note [Bit-identical resume]: a checkpoint holds everything the next step depends on (Note
// [Checkpoint contents]); the lr is a function of the step; metrics lines after the checkpoint
// are dropped on resume. So a run stopped at step k (by SIGINT, a stop request or a crash after
// the checkpoint) and resumed writes the same metrics.jsonl, apart from timing_fields, and ends
// with the same parameters bit for bit as an uninterrupted run, for the same thread count.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include "liandan/experiments/config.hpp"
#include "liandan/experiments/tasks.hpp"

namespace liandan::experiments {

struct TrainOptions {
  std::filesystem::path out_dir;
  // Continue from the latest checkpoint in out_dir (whose config.yaml must equal config);
  // without it, out_dir must not hold a run yet.
  bool resume = false;
  // Echo the log to the terminal (a progress bar when stdout is a TTY); run.log always.
  bool console = true;
  // Called after every optimizer step with the number of steps taken (tests use it to stop).
  std::function<void(std::int64_t step)> after_step;
};

struct TrainResult {
  std::int64_t step = 0;     // steps taken when train returned
  bool finished = false;     // reached train.steps (summary.json written)
  bool interrupted = false;  // stopped by a stop request; a checkpoint holds step
};

// Trains under the run directory's lock (Note [Run directory safety] in run_dir.hpp): a second
// train on the same directory is refused naming the holder's pid.
//
// Note [Failed runs]: a run that failed before completing a step (no checkpoint and no metrics
// line: a bad data path, a model too large) leaves config.yaml and run.log behind; that does not
// block the corrected command: a fresh start, or a --resume with another config, replaces it
// (the log says so). A run that completed steps is refused with what to do: --resume with its
// own config, another --out, or deleting the directory. Temporary files a killed writer left
// (NAME.tmp-PID) are removed at the start, and a torn last metrics line is dropped with a
// warning on resume.
TrainResult train(const Config& config, const TrainOptions& options);

// Ask the running train() to save a checkpoint after the current step and return. Async-signal
// safe. train() clears the request when it starts.
void request_stop();
bool stop_requested();
// The signal that asked for the stop (SIGINT or SIGTERM) since the last StopOnSignals was made;
// 0 when none did (request_stop alone).
int stop_signal_number();

// While alive, SIGINT and SIGTERM request a stop instead of killing the process, and a second
// one kills it at once (Note [Signals] in trainer.cpp); the previous handlers are restored on
// destruction.
class StopOnSignals {
 public:
  StopOnSignals();
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

 private:
  void (*previous_int_)(int) = nullptr;
  void (*previous_term_)(int) = nullptr;
};

// A run directory's task with the model of its latest checkpoint, for use inside another run:
// the default generator's state and the thread count are left as they were. Errors start with
// op and name the directory.
struct TrainedRun {
  std::unique_ptr<Task> task;
  std::string task_name;  // the run's config.task
  std::int64_t step = 0;  // of the checkpoint
};
TrainedRun load_trained_run(const std::filesystem::path& run_dir, const std::string& op);

// The classifier run that eval.fid_classifier names (Note [Fashion FID] in fid.hpp), its model in
// eval mode for good: what the runner hands the tasks that measure a FID (TaskContext). Errors
// name eval.fid_classifier and the directory, and say how to train the classifier.
std::shared_ptr<ImageFeatures> load_fid_classifier(const std::filesystem::path& run_dir);

// Evaluates the latest checkpoint of a run directory: the task's eval metrics and "step".
std::map<std::string, double> evaluate_run(const std::filesystem::path& run_dir);

// Text from the latest checkpoint of a language-model run (liandan sample).
struct SampleOptions {
  std::string prompt = "";
  std::int64_t tokens = 200;
  double temperature = 0.8;
  std::uint64_t seed = 0;
};
std::string sample_run(const std::filesystem::path& run_dir, const SampleOptions& options);

}  // namespace liandan::experiments
