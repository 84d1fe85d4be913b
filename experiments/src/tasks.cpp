// The task table: one row per task, with its config keys and its builder.
#include "liandan/experiments/tasks.hpp"

#include <fmt/format.h>

#include "liandan/experiments/generative_tasks.hpp"
#include "liandan/experiments/spiral_task.hpp"

namespace liandan::experiments {
namespace {

Key whole(std::string path, std::int64_t fallback, std::string help, double min) {
  return {.path = std::move(path),
          .type = Type::integer,
          .fallback = std::to_string(fallback),
          .help = std::move(help),
          .min = min};
}
Key real(std::string path, double fallback, std::string help, double min) {
  return {.path = std::move(path),
          .type = Type::number,
          .fallback = fmt::format("{}", fallback),
          .help = std::move(help),
          .min = min};
}

}  // namespace

const Tensor& Batch::operator[](const std::string& name) const {
  for (const auto& [key, t] : tensors)
    if (key == name) return t;
  throw Error(fmt::format("Batch: no tensor '{}'", name));
}

Tensor Task::loss(const Batch&) { throw Error("task: this task defines train_step, not loss"); }

StepResult Task::train_step(const Batch& batch, const UpdateFn& update) {
  Tensor l = loss(batch);
  const double grad_norm = update(l, "");
  return {.loss = std::move(l), .grad_norm = grad_norm, .extra = {}};
}

const std::vector<TaskEntry>& task_table() {
  static const std::vector<TaskEntry> table = [] {
    const SpiralOptions spiral;
    return std::vector<TaskEntry>{
        {"spiral",
         "classify points of a noisy K-arm 2-D spiral with an MLP (synthetic, seeded)",
         {whole("model.hidden", spiral.hidden, "hidden width", 1),
          whole("model.depth", spiral.depth, "hidden layers", 1),
          whole("data.classes", spiral.classes, "spiral arms", 2),
          real("data.turns", spiral.turns, "revolutions per arm", 0),
          real("data.noise", spiral.noise, "std of the coordinate noise", 0),
          whole("data.batch_size", spiral.batch_size, "training batch", 1),
          whole("data.eval_size", spiral.eval_size, "held-out points", 1)},
         [](const Config& c) -> std::unique_ptr<Task> {
           const SpiralOptions options{.classes = c.get<std::int64_t>("data.classes"),
                                       .turns = c.get<double>("data.turns"),
                                       .noise = c.get<double>("data.noise"),
                                       .batch_size = c.get<std::int64_t>("data.batch_size"),
                                       .eval_size = c.get<std::int64_t>("data.eval_size"),
                                       .hidden = c.get<std::int64_t>("model.hidden"),
                                       .depth = c.get<std::int64_t>("model.depth")};
           return std::make_unique<SpiralTask>(options, c.get<std::uint64_t>("seed"));
         }},
        vae_fashion_entry(),
        eae_fashion_entry(),
        gan_mixture_entry(),
    };
  }();
  return table;
}

std::unique_ptr<Task> make_task(const Config& config) {
  const auto name = config.get<std::string>("task");
  for (const TaskEntry& entry : task_table())
    if (entry.name == name) return entry.build(config);
  throw Error(fmt::format("task: unknown task '{}'", name));
}

std::uint64_t data_seed(std::uint64_t seed, std::uint64_t stream) {
  // splitmix64 of (seed, stream): well-separated Philox keys for nearby seeds.
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ull + (stream + 1) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace liandan::experiments
