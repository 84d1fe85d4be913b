// The tasks of the shipped experiments (experiments/configs/): an MLP on Fashion-MNIST, a
// byte-level GPT on a fortunes corpus (Tang/Song poems or English fortunes), and Su's position
// probe. Each is one row of task_table() (tasks.cpp) with its config keys.
#pragma once

#include <memory>
#include <optional>

#include "liandan/data/loader.hpp"
#include "liandan/data/text.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/nn/containers.hpp"
#include "liandan/nn/models/gpt.hpp"

namespace liandan::experiments {

struct FashionMlpOptions {
  std::int64_t hidden = 256;
  std::int64_t depth = 2;
  std::int64_t batch_size = 128;
  std::int64_t eval_size = 10000;  // first images of the test set
};

// Fashion-MNIST (Debian's dataset-fashion-mnist) classified by a ReLU MLP.
class FashionMlpTask : public Task {
 public:
  FashionMlpTask(const FashionMlpOptions& options, std::uint64_t seed);
  nn::Module& model() override { return model_; }
  Batch next_batch() override;
  Tensor loss(const Batch& batch) override;
  std::map<std::string, double> evaluate() override;
  // The activations of the last hidden layer (N, hidden); an error for depth 0.
  std::optional<Tensor> image_features(const Tensor& images) override;
  core::NamedTensors sampler_state() const override;
  void load_sampler_state(const core::NamedTensors& state) override;

 private:
  nn::Sequential model_;
  data::DataLoader train_;
  Tensor eval_x_, eval_y_;
};

struct ByteLmOptions {
  std::string corpus = "poems";  // "poems" (Tang/Song, fortunes-zh) or "fortunes" (English)
  std::int64_t block_size = 64;
  std::int64_t batch_size = 16;
  std::int64_t eval_batches = 8;  // of sequential validation windows
  nn::GPTConfig gpt{};
};

// A byte-level GPT (vocab 256) on random training windows of a corpus; eval: validation loss in
// nats per byte (and bits per byte).
class ByteLmTask : public Task {
 public:
  ByteLmTask(const ByteLmOptions& options, std::uint64_t seed);
  nn::Module& model() override { return model_; }
  Batch next_batch() override;
  Tensor loss(const Batch& batch) override;
  std::map<std::string, double> evaluate() override;
  core::NamedTensors sampler_state() const override;
  void load_sampler_state(const core::NamedTensors& state) override;
  std::optional<std::string> sample(const std::string& prompt, std::int64_t tokens,
                                    double temperature, std::uint64_t seed) override;

 private:
  ByteLmTask(const ByteLmOptions& options, std::uint64_t seed, const data::ByteCorpus& corpus);

  ByteLmOptions options_;
  nn::GPT model_;
  data::DataLoader train_;
  Tensor eval_input_, eval_target_;
};

// Note [Position probe]: Su's probe (kexue.fm/archives/9105; ALGORITHMS.md section 5): the
// input is n identical tokens (0), the target at position i is i + 1, regressed with MSE by a
// bidirectional encoder; a position counts as right when the rounded output equals its
// target. Variants (model.variant): "softmax" (multi-head softmax attention with
// model.positions none / learned / rope), "boundary" (the same with [CLS] ... [SEP] tokens
// around the zeros, Su's fix (c)), and "gau" (GAU blocks: relu^2 / n attention without the
// softmax denominator, fix (a)). Per-position accuracy is reported as eval metrics.
struct ProbeOptions {
  std::int64_t length = 32;
  std::string variant = "softmax";
  std::string positions = "rope";
  std::int64_t n_layers = 2;
  std::int64_t d_model = 64;
  std::int64_t n_heads = 4;
  std::int64_t batch_size = 16;
};

class PositionProbeTask : public Task {
 public:
  PositionProbeTask(const ProbeOptions& options, std::uint64_t seed);
  nn::Module& model() override { return *model_; }
  Batch next_batch() override;
  Tensor loss(const Batch& batch) override;
  std::map<std::string, double> evaluate() override;
  bool higher_is_better(const std::string& metric) const override {
    return metric.starts_with("accuracy");
  }
  core::NamedTensors sampler_state() const override { return {}; }  // every batch is the same
  void load_sampler_state(const core::NamedTensors&) override {}

 private:
  Tensor predict(std::int64_t batch);  // (B, n) regressed positions

  ProbeOptions options_;
  std::unique_ptr<nn::Module> model_;
};

}  // namespace liandan::experiments
