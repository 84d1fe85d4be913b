// The fashion_mlp task: Fashion-MNIST (Debian's dataset-fashion-mnist) classified by a ReLU MLP;
// its last hidden layer gives the features of the FID (fid.hpp).
#include "liandan/autograd/autograd.hpp"
#include "liandan/data/idx.hpp"
#include "liandan/data/loader.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/nn/activation.hpp"
#include "liandan/nn/containers.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/losses.hpp"

namespace liandan::experiments {
namespace {

struct FashionMlpOptions {
  std::int64_t hidden = 256;
  std::int64_t depth = 2;
  std::int64_t batch_size = 128;
  std::int64_t eval_size = 10000;  // first images of the test set
};

const Fields<FashionMlpOptions>& fields(const FashionMlpOptions*) {
  using O = FashionMlpOptions;
  static const Fields<O> table = {
      integer("model.hidden", &O::hidden, "hidden width", {.min = 1}),
      integer("model.depth", &O::depth, "hidden layers", {.min = 0}),
      integer("data.batch_size", &O::batch_size, "training batch", {.min = 1}),
      integer("data.eval_size", &O::eval_size, "test images evaluated", {.min = 1}),
  };
  return table;
}

class FashionMlpTask : public Task, public ImageFeatures {
 public:
  using Options = FashionMlpOptions;

  FashionMlpTask(const Options& o, const TaskContext& context)
      : train_(
            data::fashion_mnist({.train = true, .flatten = true}),
            {.batch_size = o.batch_size, .seed = data_seed(context.seed, 0), .drop_last = true}) {
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

  nn::Module& model() override { return model_; }

  Batch next_batch() override {
    const data::Batch b = train_.next_batch();
    const std::int64_t n = b["label"].numel();
    return {.tensors = {{"x", b["image"]}, {"y", b["label"]}}, .examples = n};
  }

  Tensor loss(const Batch& batch) override {
    return nn::cross_entropy(model_(batch["x"]), batch["y"]);
  }

  std::map<std::string, double> evaluate() override {
    const Tensor logits = model_(eval_x_);  // (N, 10)
    return {{"loss", nn::cross_entropy(logits, eval_y_).item()},
            {"accuracy", mean(eq(argmax(logits, 1), eval_y_).to(DType::f64)).item()}};
  }

  // The activations of the last hidden layer (N, hidden); an error for depth 0.
  Tensor image_features(const Tensor& images) override {
    check(model_.size() >= 3,
          "fashion_mlp: a model of depth 0 has no hidden layer to take features from");
    check(images.dim() == 4 && images.size(1) == 1 && images.size(2) == 28 && images.size(3) == 28,
          "fashion_mlp: image_features expects (N, 1, 28, 28) images, got {}", images.shape());
    Tensor h = reshape(images, {images.size(0), 784});  // (N, 784)
    for (std::size_t i = 0; i + 1 < model_.size(); ++i) h = model_[i](h);
    return h;  // (N, hidden)
  }

  core::NamedTensors sampler_state() const override { return train_.state_dict(); }
  void load_sampler_state(const core::NamedTensors& state) override {
    train_.load_state_dict(state);
  }

 private:
  nn::Sequential model_;
  data::DataLoader train_;
  Tensor eval_x_, eval_y_;  // (N, 784), (N)
};

}  // namespace

TaskEntry fashion_mlp_task() {
  return task_entry<FashionMlpTask>(
      "fashion_mlp", "classify Fashion-MNIST (dataset-fashion-mnist) with a ReLU MLP");
}

}  // namespace liandan::experiments
