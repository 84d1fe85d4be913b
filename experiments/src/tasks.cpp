// The task table: one row per task, with its config keys and its builder.
#include "liandan/experiments/tasks.hpp"

#include <fmt/format.h>

#include "liandan/experiments/builtin_tasks.hpp"
#include "liandan/experiments/generative_tasks.hpp"
#include "liandan/experiments/spiral_task.hpp"

namespace liandan::experiments {

Tensor Batch::operator[](const std::string& name) const { return Tensor(tensors[name]); }

Tensor Task::loss(const Batch&) { throw Error("task: this task defines train_step, not loss"); }

StepResult Task::train_step(const Batch& batch, const UpdateFn& update) {
  Tensor l = loss(batch);
  const double grad_norm = update(l, "");
  return {.loss = std::move(l), .grad_norm = grad_norm, .extra = {}};
}

const std::vector<TaskEntry>& task_table() {
  static const std::vector<TaskEntry> table = [] {
    const SpiralOptions spiral;
    const FashionMlpOptions fashion;
    const ByteLmOptions lm;
    const ProbeOptions probe;
    return std::vector<TaskEntry>{
        {"spiral",
         "classify points of a noisy K-arm 2-D spiral with an MLP (synthetic, seeded)",
         {integer_key("model.hidden", spiral.hidden, "hidden width", 1),
          integer_key("model.depth", spiral.depth, "hidden layers", 1),
          integer_key("data.classes", spiral.classes, "spiral arms", 2),
          number_key("data.turns", spiral.turns, "revolutions per arm", 0),
          number_key("data.noise", spiral.noise, "std of the coordinate noise", 0),
          integer_key("data.batch_size", spiral.batch_size, "training batch", 1),
          integer_key("data.eval_size", spiral.eval_size, "held-out points", 1)},
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
        {"fashion_mlp",
         "classify Fashion-MNIST (dataset-fashion-mnist) with a ReLU MLP",
         {integer_key("model.hidden", fashion.hidden, "hidden width", 1),
          integer_key("model.depth", fashion.depth, "hidden layers", 0),
          integer_key("data.batch_size", fashion.batch_size, "training batch", 1),
          integer_key("data.eval_size", fashion.eval_size, "test images evaluated", 1)},
         [](const Config& c) -> std::unique_ptr<Task> {
           return std::make_unique<FashionMlpTask>(
               FashionMlpOptions{.hidden = c.get<std::int64_t>("model.hidden"),
                                 .depth = c.get<std::int64_t>("model.depth"),
                                 .batch_size = c.get<std::int64_t>("data.batch_size"),
                                 .eval_size = c.get<std::int64_t>("data.eval_size")},
               c.get<std::uint64_t>("seed"));
         }},
        {"byte_lm",
         "a byte-level GPT on the Tang/Song poems (fortunes-zh) or English fortunes",
         {choice_key("data.corpus", lm.corpus, "the corpus", {"poems", "fortunes"}),
          integer_key("data.block_size", lm.block_size, "context length T", 2),
          integer_key("data.batch_size", lm.batch_size, "training batch", 1),
          integer_key("data.eval_batches", lm.eval_batches, "validation batches evaluated", 1),
          integer_key("model.n_layers", lm.gpt.n_layers, "Transformer blocks", 1),
          integer_key("model.d_model", lm.gpt.d_model, "model width", 1),
          integer_key("model.n_heads", lm.gpt.n_heads, "attention heads", 1),
          choice_key("model.attention", "softmax", "attention kind", {"softmax", "linear"}),
          choice_key("model.positions", "learned", "positions",
                     {"learned", "sinusoidal", "rope", "none"})},
         [](const Config& c) -> std::unique_ptr<Task> {
           const auto positions = c.get<std::string>("model.positions");
           nn::GPTConfig gpt{.n_layers = c.get<std::int64_t>("model.n_layers"),
                             .d_model = c.get<std::int64_t>("model.d_model"),
                             .n_heads = c.get<std::int64_t>("model.n_heads"),
                             .attention = c.get<std::string>("model.attention") == "linear"
                                              ? nn::AttentionKind::linear
                                              : nn::AttentionKind::softmax};
           gpt.positions = positions == "rope"         ? nn::PositionKind::rope
                           : positions == "sinusoidal" ? nn::PositionKind::sinusoidal
                           : positions == "none"       ? nn::PositionKind::none
                                                       : nn::PositionKind::learned;
           return std::make_unique<ByteLmTask>(
               ByteLmOptions{.corpus = c.get<std::string>("data.corpus"),
                             .block_size = c.get<std::int64_t>("data.block_size"),
                             .batch_size = c.get<std::int64_t>("data.batch_size"),
                             .eval_batches = c.get<std::int64_t>("data.eval_batches"),
                             .gpt = gpt},
               c.get<std::uint64_t>("seed"));
         }},
        {"position_probe",
         "Su's position probe: n identical tokens -> positions 1..n (per-position accuracy)",
         {integer_key("data.length", probe.length, "n, the number of tokens", 1),
          integer_key("data.batch_size", probe.batch_size, "training batch", 1),
          choice_key("model.variant", probe.variant, "the architecture",
                     {"softmax", "boundary", "gau"}),
          choice_key("model.positions", probe.positions, "positions", {"none", "learned", "rope"}),
          integer_key("model.n_layers", probe.n_layers, "blocks", 1),
          integer_key("model.d_model", probe.d_model, "model width", 4),
          integer_key("model.n_heads", probe.n_heads, "attention heads", 1)},
         [](const Config& c) -> std::unique_ptr<Task> {
           return std::make_unique<PositionProbeTask>(
               ProbeOptions{.length = c.get<std::int64_t>("data.length"),
                            .variant = c.get<std::string>("model.variant"),
                            .positions = c.get<std::string>("model.positions"),
                            .n_layers = c.get<std::int64_t>("model.n_layers"),
                            .d_model = c.get<std::int64_t>("model.d_model"),
                            .n_heads = c.get<std::int64_t>("model.n_heads"),
                            .batch_size = c.get<std::int64_t>("data.batch_size")},
               c.get<std::uint64_t>("seed"));
         }},
        vae_fashion_entry(),
        eae_fashion_entry(),
        gan_mixture_entry(),
        gan_fashion_entry(),
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
