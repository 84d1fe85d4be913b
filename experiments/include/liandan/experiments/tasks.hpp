// Task: what a run trains. A task builds its model (from the default generator, which the
// runner seeds), hands out training batches, computes the loss and the eval metrics, and
// exposes the state of its data sampler so a resumed run draws the same batches. Each task is
// one file of experiments/src/tasks/ and its entry in tasks/registry.cpp (README, "Add a
// task").
//
// Note [Multi-update steps]: a step is one update of every parameter by default; a task may
// override train_step to make several, each of the parameters under one name prefix (a GAN:
// n_dis updates of "critic." then one of "generator."). They share the trainer's one optimizer:
// update() drops the gradients outside the prefix and Optimizer::step() skips parameters
// without a gradient (as torch.optim skips p.grad None), so each parameter's state (Adam's
// step count and moments, weight decay) advances only on its own updates, exactly as with one
// optimizer per prefix, while one state_dict, one schedule and the config's parameter groups
// (e.g. a larger lr for "critic.*") cover them all. Optimizers whose update couples parameters
// would break this; none of the table does.
//
// Note [Eval scope]: evaluate() and save_samples() run with the model in eval mode (dropout
// off, BatchNorm on its running statistics, spectral norm without power iterations) and
// without a graph. The runner sets this up, not the task: train(), `liandan eval` and
// `liandan sample` each open one EvalScope around the calls, so no task's metrics depend on
// the mode its model happens to be in.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "liandan/autograd/grad_mode.hpp"
#include "liandan/experiments/config.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::experiments {

// One training batch: named tensors and its size for throughput.
struct Batch {
  core::NamedTensors tensors;
  std::int64_t examples = 0;
  std::int64_t tokens = 0;                           // 0 for tasks without tokens
  Tensor operator[](const std::string& name) const;  // the data of tensors[name], as a leaf
};

// One optimizer update within a step (Note [Multi-update steps]): zero_grad, loss.backward(),
// the gradients of parameters whose name does not start with prefix dropped ("" keeps all),
// clipping (optimizer.clip_grad_norm) and Optimizer::step(). Returns the gradient norm of the
// updated parameters before clipping.
using UpdateFn = std::function<double(const Tensor& loss, const std::string& prefix)>;

// What a step reports: "loss" and "grad_norm" of the metrics line, plus task-specific values
// logged beside them (a GAN's "generator_loss").
struct StepResult {
  Tensor loss;
  double grad_norm = 0;
  std::map<std::string, double> extra;
};

class Task {
 public:
  virtual ~Task() = default;
  virtual nn::Module& model() = 0;
  // The next training batch; advances the sampler.
  virtual Batch next_batch() = 0;
  // The training loss of batch, a 0-dim tensor with a graph to the model's parameters. A task
  // that overrides train_step need not define it (the default throws).
  virtual Tensor loss(const Batch& batch);
  // One training step on batch; the default is one update of every parameter by loss(batch).
  virtual StepResult train_step(const Batch& batch, const UpdateFn& update);
  // Metrics on the held-out set ("loss", "accuracy", ...), called inside an EvalScope (Note
  // [Eval scope]); must not touch the training sampler.
  virtual std::map<std::string, double> evaluate() = 0;
  // Whether a larger value of an eval metric is better (for the best-so-far in summary.json).
  virtual bool higher_is_better(const std::string& metric) const { return metric == "accuracy"; }
  // Pictures of the model at an eval step, written into the run directory (e.g.
  // "samples_step_<step>.png"); none by default. Like evaluate(), called inside an EvalScope
  // and must not touch the training sampler nor the default generator.
  virtual void save_samples(const std::filesystem::path& run_dir, std::int64_t step) {
    (void)run_dir, (void)step;
  }
  // The sampler state as named tensors (saved in checkpoints under "sampler.") and back.
  virtual core::NamedTensors sampler_state() const = 0;
  virtual void load_sampler_state(const core::NamedTensors& state) = 0;
};

// ---- capabilities a task may offer besides training, found with dynamic_cast

// An image classifier whose features measure generated images (the FID, fid.hpp).
class ImageFeatures {
 public:
  virtual ~ImageFeatures() = default;
  // The penultimate-layer features (N, F) of Fashion-MNIST-shaped images (N, 1, 28, 28) in
  // [0, 1]; the caller turns the graph off.
  virtual Tensor image_features(const Tensor& images) = 0;
};

// A language model that continues a prompt (`liandan sample`, inside an EvalScope).
class TextSampler {
 public:
  virtual ~TextSampler() = default;
  virtual std::string sample(const std::string& prompt, std::int64_t tokens, double temperature,
                             std::uint64_t seed) = 0;
};

// The model in eval mode and no graph while alive (Note [Eval scope]); the mode it had is
// restored.
class EvalScope {
 public:
  explicit EvalScope(nn::Module& model) : model_(model), was_training_(model.is_training()) {
    model_.eval();
  }
  ~EvalScope() { model_.train(was_training_); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  NoGradGuard no_grad_;
  nn::Module& model_;
  bool was_training_;
};

// What the runner hands a task besides its options. A task never loads runs itself: the runner
// loads the classifier named by eval.fid_classifier (a key of the tasks that take it) and
// passes it here.
struct TaskContext {
  std::uint64_t seed = 0;                              // the run's seed (data_seed)
  std::shared_ptr<ImageFeatures> fid_classifier = {};  // null: no FID
};

// A data generator seeded from the run seed, independent of the default generator's stream:
// stream 0 trains, stream 1 evaluates (more streams where a task needs them).
std::uint64_t data_seed(std::uint64_t seed, std::uint64_t stream);

struct TaskEntry {
  std::string name;  // the value of `task`
  std::string help;
  std::vector<Key> keys;              // its model.*, data.* and eval.* keys
  bool takes_fid_classifier = false;  // the run adds eval.fid_classifier and loads it
  std::function<std::unique_ptr<Task>(const Config& config, const TaskContext& context)> build;
};

// The entry of task T: a Task with `using Options = ...`, a struct whose field table (Note
// [Field tables]) names its config keys ("model.hidden", "data.batch_size"), and a
// constructor T(const Options&, const TaskContext&). The keys and the binding come from the
// table.
template <typename T>
TaskEntry task_entry(std::string name, std::string help, bool takes_fid_classifier = false) {
  using Options = typename T::Options;
  return {.name = std::move(name),
          .help = std::move(help),
          .keys = keys_of(fields_of<Options>()),
          .takes_fid_classifier = takes_fid_classifier,
          .build = [](const Config& config, const TaskContext& context) -> std::unique_ptr<Task> {
            return std::make_unique<T>(bind(config, fields_of<Options>()), context);
          }};
}

// Every task, in the order of the `task` key's choices (tasks/registry.cpp).
const std::vector<TaskEntry>& task_table();

// Every task's keys as Markdown tables, README's (`liandan options tasks` prints them).
std::string task_options_markdown();

// The task of a run (config.task) with context.seed the config's seed; the model is
// initialised from the default generator.
std::unique_ptr<Task> make_task(const Config& config,
                                std::shared_ptr<ImageFeatures> fid_classifier = nullptr);

}  // namespace liandan::experiments
