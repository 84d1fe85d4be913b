// The spiral task (spiral_task.hpp).
#include "liandan/experiments/spiral_task.hpp"

#include <cmath>
#include <numbers>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/activation.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/losses.hpp"

namespace liandan::experiments {
namespace {

core::Tensor i64_scalar(std::uint64_t v) {
  return core::Tensor::from<std::int64_t>({static_cast<std::int64_t>(v)}, {});
}

std::uint64_t u64_of(const core::NamedTensors& state, const std::string& key) {
  for (const auto& [name, t] : state)
    if (name == key) {
      check(t.dtype() == DType::i64 && t.numel() == 1, "spiral sampler: '{}' must be one i64", key);
      return static_cast<std::uint64_t>(t.to_vector<std::int64_t>()[0]);
    }
  throw Error(fmt::format("spiral sampler: the state has no '{}'", key));
}

}  // namespace

std::pair<core::Tensor, core::Tensor> spiral_points(std::int64_t n, const SpiralOptions& options,
                                                    core::Generator& gen) {
  const std::vector<double> r = core::uniform({n}, 0, 1, DType::f64, gen).to_vector<double>();
  const std::vector<std::int64_t> arm =
      core::randint(0, options.classes, {n}, gen).to_vector<std::int64_t>();
  const std::vector<double> noise =
      core::normal({n, 2}, 0, options.noise, DType::f64, gen).to_vector<double>();
  std::vector<float> xy(2 * n);
  for (std::int64_t i = 0; i < n; ++i) {
    const double angle = 2 * std::numbers::pi *
                         (static_cast<double>(arm[i]) / options.classes + options.turns * r[i]);
    xy[2 * i] = static_cast<float>(r[i] * std::cos(angle) + noise[2 * i]);
    xy[2 * i + 1] = static_cast<float>(r[i] * std::sin(angle) + noise[2 * i + 1]);
  }
  return {core::Tensor::from(std::span<const float>(xy), {n, 2}),
          core::Tensor::from(std::span<const std::int64_t>(arm), {n})};
}

SpiralTask::SpiralTask(const SpiralOptions& options, std::uint64_t seed)
    : options_(options), train_gen_(data_seed(seed, 0)) {
  std::int64_t in = 2;
  for (std::int64_t i = 0; i < options.depth; ++i) {
    model_.emplace_back<nn::Linear>(in, options.hidden);
    model_.emplace_back<nn::Tanh>();
    in = options.hidden;
  }
  model_.emplace_back<nn::Linear>(in, options.classes);
  core::Generator eval_gen(data_seed(seed, 1));
  std::tie(eval_x_, eval_y_) = spiral_points(options.eval_size, options, eval_gen);
}

Batch SpiralTask::next_batch() {
  auto [x, y] = spiral_points(options_.batch_size, options_, train_gen_);
  return {.tensors = {{"x", x}, {"y", y}}, .examples = options_.batch_size};
}

Tensor SpiralTask::loss(const Batch& batch) {
  return nn::cross_entropy(model_(batch["x"]), batch["y"]);  // (B, K) logits vs (B) labels
}

std::map<std::string, double> SpiralTask::evaluate() {
  NoGradGuard no_grad;
  model_.eval();
  const Tensor logits = model_(Tensor(eval_x_));  // (N, K)
  const double loss = nn::cross_entropy(logits, Tensor(eval_y_)).item();
  const Tensor hits = eq(argmax(logits, 1), Tensor(eval_y_));
  const double accuracy = mean(Tensor(hits.data().to(DType::f64))).item();
  model_.train();
  return {{"loss", loss}, {"accuracy", accuracy}};
}

core::NamedTensors SpiralTask::sampler_state() const {
  return {{"seed", i64_scalar(train_gen_.seed())}, {"offset", i64_scalar(train_gen_.offset())}};
}

void SpiralTask::load_sampler_state(const core::NamedTensors& state) {
  train_gen_.set_state(u64_of(state, "seed"), u64_of(state, "offset"));
}

}  // namespace liandan::experiments
