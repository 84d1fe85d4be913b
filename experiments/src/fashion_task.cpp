// The Fashion-MNIST MLP task (builtin_tasks.hpp).
#include "liandan/autograd/autograd.hpp"
#include "liandan/data/idx.hpp"
#include "liandan/experiments/builtin_tasks.hpp"
#include "liandan/nn/activation.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/losses.hpp"

namespace liandan::experiments {

FashionMlpTask::FashionMlpTask(const FashionMlpOptions& o, std::uint64_t seed)
    : train_(data::fashion_mnist({.train = true, .flatten = true}),
             {.batch_size = o.batch_size, .seed = data_seed(seed, 0), .drop_last = true}) {
  std::int64_t in = 784;
  for (std::int64_t i = 0; i < o.depth; ++i) {
    model_.emplace_back<nn::Linear>(in, o.hidden);
    model_.emplace_back<nn::ReLU>();
    in = o.hidden;
  }
  model_.emplace_back<nn::Linear>(in, 10);
  const auto test = data::fashion_mnist({.train = false, .flatten = true});
  const std::int64_t n = std::min(o.eval_size, test->size());
  std::vector<std::int64_t> rows(n);
  for (std::int64_t i = 0; i < n; ++i) rows[i] = i;
  const data::Batch b = data::collate(*test, rows);
  eval_x_ = Tensor(b["image"]), eval_y_ = Tensor(b["label"]);
}

Batch FashionMlpTask::next_batch() {
  const data::Batch b = train_.next_batch();
  const std::int64_t n = b["label"].numel();
  return {.tensors = {{"x", b["image"]}, {"y", b["label"]}}, .examples = n};
}

Tensor FashionMlpTask::loss(const Batch& batch) {
  return nn::cross_entropy(model_(batch["x"]), batch["y"]);
}

std::map<std::string, double> FashionMlpTask::evaluate() {
  NoGradGuard no_grad;
  const Tensor logits = model_(eval_x_);
  const double loss = nn::cross_entropy(logits, eval_y_).item();
  const double accuracy = mean(Tensor(eq(argmax(logits, 1), eval_y_).data().to(DType::f64))).item();
  return {{"loss", loss}, {"accuracy", accuracy}};
}

std::optional<Tensor> FashionMlpTask::image_features(const Tensor& images) {
  check(model_.size() >= 3,
        "fashion_mlp: a model of depth 0 has no hidden layer to take features from");
  check(images.dim() == 4 && images.size(1) == 1 && images.size(2) == 28 && images.size(3) == 28,
        "fashion_mlp: image_features expects (N, 1, 28, 28) images, got {}", images.shape());
  NoGradGuard no_grad;
  Tensor h = reshape(images, {images.size(0), 784});  // (N, 784)
  for (std::size_t i = 0; i + 1 < model_.size(); ++i) h = model_[i](h);
  return h;  // (N, hidden)
}

core::NamedTensors FashionMlpTask::sampler_state() const { return train_.state_dict(); }

void FashionMlpTask::load_sampler_state(const core::NamedTensors& state) {
  train_.load_state_dict(state);
}

}  // namespace liandan::experiments
