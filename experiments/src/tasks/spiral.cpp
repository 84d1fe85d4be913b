// The spiral task: classify points of a noisy K-arm 2-D spiral with an MLP. The points come from
// the seeded Philox generator, so it needs no data files: the quickstart and the tests use it.
#include <bit>
#include <cmath>
#include <numbers>

#include "liandan/autograd/autograd.hpp"
#include "liandan/core/random.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/nn/activation.hpp"
#include "liandan/nn/containers.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/losses.hpp"

namespace liandan::experiments {
namespace {

struct SpiralOptions {
  std::int64_t hidden = 64;
  std::int64_t depth = 2;    // hidden layers
  std::int64_t classes = 3;  // arms
  double turns = 1.0;        // revolutions of each arm
  double noise = 0.05;       // std of the Gaussian added to each coordinate
  std::int64_t batch_size = 64;
  std::int64_t eval_size = 1024;
};

// The config keys: found by SpiralOptions' type (Note [Field tables]).
const Fields<SpiralOptions>& fields(const SpiralOptions*) {
  using O = SpiralOptions;
  static const Fields<O> table = {
      integer("model.hidden", &O::hidden, "hidden width", {.min = 1}),
      integer("model.depth", &O::depth, "hidden layers", {.min = 1}),
      integer("data.classes", &O::classes, "spiral arms", {.min = 2}),
      number("data.turns", &O::turns, "revolutions per arm", {.min = 0}),
      number("data.noise", &O::noise, "std of the coordinate noise", {.min = 0}),
      integer("data.batch_size", &O::batch_size, "training batch", {.min = 1}),
      integer("data.eval_size", &O::eval_size, "held-out points", {.min = 1}),
  };
  return table;
}

// n points (n, 2) f32 and their labels (n) i64, drawn from gen: a radius r ~ U(0, 1), an arm
// k ~ U{0..K-1}, the angle 2 pi (k / K + turns r), plus noise.
std::pair<Tensor, Tensor> spiral_points(std::int64_t n, const SpiralOptions& o,
                                        core::Generator& gen) {
  const std::vector<double> r = core::uniform({n}, 0, 1, DType::f64, gen).to_vector<double>();
  const std::vector<std::int64_t> arm =
      core::randint(0, o.classes, {n}, gen).to_vector<std::int64_t>();
  const std::vector<double> noise =
      core::normal({n, 2}, 0, o.noise, DType::f64, gen).to_vector<double>();
  std::vector<float> xy(2 * n);
  for (std::int64_t i = 0; i < n; ++i) {
    const double angle =
        2 * std::numbers::pi * (static_cast<double>(arm[i]) / o.classes + o.turns * r[i]);
    xy[2 * i] = static_cast<float>(r[i] * std::cos(angle) + noise[2 * i]);
    xy[2 * i + 1] = static_cast<float>(r[i] * std::sin(angle) + noise[2 * i + 1]);
  }
  return {Tensor(core::Tensor::from(std::span<const float>(xy), {n, 2})),
          Tensor(core::Tensor::from(std::span<const std::int64_t>(arm), {n}))};
}

class SpiralTask : public Task {
 public:
  using Options = SpiralOptions;

  SpiralTask(const Options& options, const TaskContext& context)
      : options_(options), train_gen_(data_seed(context.seed, 0)) {
    std::int64_t in = 2;
    for (std::int64_t i = 0; i < options.depth; ++i) {
      model_.emplace_back<nn::Linear>(in, options.hidden);
      model_.emplace_back<nn::Tanh>();
      in = options.hidden;
    }
    model_.emplace_back<nn::Linear>(in, options.classes);
    core::Generator eval_gen(data_seed(context.seed, 1));
    std::tie(eval_x_, eval_y_) = spiral_points(options.eval_size, options, eval_gen);
  }

  nn::Module& model() override { return model_; }

  Batch next_batch() override {
    auto [x, y] = spiral_points(options_.batch_size, options_, train_gen_);
    return {.tensors = {{"x", x.data()}, {"y", y.data()}}, .examples = options_.batch_size};
  }

  Tensor loss(const Batch& batch) override {
    return nn::cross_entropy(model_(batch["x"]), batch["y"]);  // (B, K) logits vs (B) labels
  }

  std::map<std::string, double> evaluate() override {
    const Tensor logits = model_(eval_x_);  // (N, K)
    const Tensor hits = eq(argmax(logits, 1), eval_y_);
    return {{"loss", nn::cross_entropy(logits, eval_y_).item()},
            {"accuracy", mean(hits.to(DType::f64)).item()}};
  }

  // The training generator's position: where the next batch's points come from.
  core::NamedTensors sampler_state() const override {
    core::NamedTensors state;
    state.add_integer("seed", std::bit_cast<std::int64_t>(train_gen_.seed()));
    state.add_integer("offset", std::bit_cast<std::int64_t>(train_gen_.offset()));
    return state;
  }
  void load_sampler_state(const core::NamedTensors& state) override {
    train_gen_.set_state(std::bit_cast<std::uint64_t>(state.integer("seed")),
                         std::bit_cast<std::uint64_t>(state.integer("offset")));
  }

 private:
  Options options_;
  nn::Sequential model_;
  core::Generator train_gen_;
  Tensor eval_x_, eval_y_;  // (eval_size, 2), (eval_size)
};

}  // namespace

TaskEntry spiral_task() {
  return task_entry<SpiralTask>(
      "spiral", "classify points of a noisy K-arm 2-D spiral with an MLP (synthetic, seeded)");
}

}  // namespace liandan::experiments
