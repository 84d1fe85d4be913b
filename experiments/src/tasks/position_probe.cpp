// Su's position probe.
//
// Note [Position probe]: Su's probe (kexue.fm/archives/9105; ALGORITHMS.md section 5): the
// input is n identical tokens (0), the target at position i is i + 1, regressed with MSE by a
// bidirectional encoder; a position counts as right when the rounded output equals its
// target. Variants (model.variant): "softmax" (multi-head softmax attention with
// model.positions none / learned / rope), "boundary" (the same with [CLS] ... [SEP] tokens
// around the zeros, Su's fix (c)), and "gau" (GAU blocks: relu^2 / n attention without the
// softmax denominator, fix (a)). Per-position accuracy is reported as eval metrics.
#include <cmath>
#include <optional>

#include "liandan/autograd/autograd.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/nn/containers.hpp"
#include "liandan/nn/embedding.hpp"
#include "liandan/nn/gau.hpp"
#include "liandan/nn/losses.hpp"
#include "liandan/nn/models/transformer_block.hpp"
#include "liandan/nn/positional.hpp"

namespace liandan::experiments {
namespace {

struct ProbeOptions {
  std::int64_t length = 32;
  std::int64_t batch_size = 16;
  std::string variant = "softmax";
  std::string positions = "rope";
  std::int64_t n_layers = 2;
  std::int64_t d_model = 64;
  std::int64_t n_heads = 4;
};

const Fields<ProbeOptions>& fields(const ProbeOptions*) {
  using O = ProbeOptions;
  static const Fields<O> table = {
      integer("data.length", &O::length, "n, the number of tokens", {.min = 1}),
      integer("data.batch_size", &O::batch_size, "training batch", {.min = 1}),
      text("model.variant", &O::variant, "the architecture", {"softmax", "boundary", "gau"}),
      text("model.positions", &O::positions, "positions", {"none", "learned", "rope"}),
      integer("model.n_layers", &O::n_layers, "blocks", {.min = 1}),
      integer("model.d_model", &O::d_model, "model width", {.min = 4}),
      integer("model.n_heads", &O::n_heads, "attention heads", {.min = 1}),
  };
  return table;
}

constexpr std::int64_t kZero = 0, kCls = 1, kSep = 2;

// Embeddings of the tokens (and learned positions), blocks, a LayerNorm and a scalar head.
class ProbeModel : public nn::Module {
 public:
  explicit ProbeModel(const ProbeOptions& o)
      : embed(3, o.d_model), ln_f(Shape{o.d_model}), head(o.d_model, 1) {
    register_module("embed", embed);
    if (o.positions == "learned") {
      pos.emplace(o.length + 2, o.d_model);
      register_module("pos", *pos);
    }
    const bool rope = o.positions == "rope";
    for (std::int64_t i = 0; i < o.n_layers; ++i) {
      if (o.variant == "gau") {
        auto& norm = gau_norms.emplace_back<nn::LayerNorm>(Shape{o.d_model});
        const std::int64_t s = std::min<std::int64_t>(128, o.d_model);
        nn::RotaryHook hook;
        if (rope) {
          nn::RotaryEmbedding* r =
              rotaries.emplace_back(std::make_unique<nn::RotaryEmbedding>(s)).get();
          hook = [r](const Tensor& x, std::int64_t start) { return r->forward(x, start); };
        }
        gau_blocks.push_back({&norm, &gaus.emplace_back<nn::GAU>(
                                         o.d_model, nn::GAUOptions{.qk_dim = s, .rotary = hook})});
      } else {
        blocks.push_back(&layers.emplace_back<nn::TransformerBlock>(
            o.d_model, o.n_heads,
            nn::TransformerBlockOptions{.rope = rope ? nn::RopeKind::rope_1d : nn::RopeKind::none,
                                        .mlp_ratio = 2}));
      }
    }
    register_module("layers", layers);
    register_module("gau_norms", gau_norms);
    register_module("gaus", gaus);
    register_module("ln_f", ln_f);
    register_module("head", head);
  }
  // tokens (B, T) -> (B, T)
  Tensor forward(const Tensor& tokens) override {
    Tensor x = embed(tokens);
    if (pos) x = pos->forward(x, 0);
    for (nn::TransformerBlock* block : blocks) x = (*block)(x);
    for (auto [norm, gau] : gau_blocks) x = x + (*gau)((*norm)(x));
    return squeeze(head(ln_f(x)), -1);
  }

  nn::Embedding embed;
  std::optional<nn::LearnedPositionalEmbedding> pos;
  nn::ModuleList layers, gau_norms, gaus;
  std::vector<nn::TransformerBlock*> blocks;
  std::vector<std::pair<nn::LayerNorm*, nn::GAU*>> gau_blocks;
  std::vector<std::unique_ptr<nn::RotaryEmbedding>> rotaries;
  nn::LayerNorm ln_f;
  nn::Linear head;
};

class PositionProbeTask : public Task {
 public:
  using Options = ProbeOptions;

  PositionProbeTask(const Options& o, const TaskContext& /*context*/) : options_(o), model_(o) {}

  nn::Module& model() override { return model_; }

  Batch next_batch() override {
    const std::int64_t b = options_.batch_size, n = options_.length;
    std::vector<float> target;
    for (std::int64_t i = 0; i < b; ++i)
      for (std::int64_t t = 1; t <= n; ++t) target.push_back(float(t));
    return {
        .tensors = {{"target", core::Tensor::from(std::span<const float>(target), Shape{b, n})}},
        .examples = b,
        .tokens = b * n};
  }

  Tensor loss(const Batch& batch) override {
    return nn::mse_loss(predict(options_.batch_size), batch["target"]);
  }

  std::map<std::string, double> evaluate() override {
    const std::vector<float> pred = predict(1).to_vector<float>();
    const std::int64_t n = options_.length;
    std::map<std::string, double> out;
    double right = 0, mse = 0;
    for (std::int64_t t = 0; t < n; ++t) {
      const double ok = std::lround(pred[t]) == t + 1 ? 1.0 : 0.0;
      out[fmt::format("accuracy_pos{:02d}", t + 1)] = ok;
      right += ok;
      mse += (pred[t] - (t + 1)) * (pred[t] - (t + 1));
    }
    out["accuracy"] = right / double(n);
    out["loss"] = mse / double(n);
    return out;
  }

  bool higher_is_better(const std::string& metric) const override {
    return metric.starts_with("accuracy");
  }

  // Every batch is the same: no sampler.
  core::NamedTensors sampler_state() const override { return {}; }
  void load_sampler_state(const core::NamedTensors&) override {}

 private:
  // (B, n) regressed positions
  Tensor predict(std::int64_t batch) {
    const std::int64_t n = options_.length;
    const bool boundary = options_.variant == "boundary";
    std::vector<std::int64_t> row(n, kZero);
    if (boundary) {
      row.insert(row.begin(), kCls);
      row.push_back(kSep);
    }
    std::vector<std::int64_t> tokens;
    for (std::int64_t b = 0; b < batch; ++b) tokens.insert(tokens.end(), row.begin(), row.end());
    const Tensor input(core::Tensor::from(std::span<const std::int64_t>(tokens),
                                          Shape{batch, std::int64_t(row.size())}));
    const Tensor out = model_(input);
    return boundary ? slice(out, 1, 1, n + 1) : out;
  }

  Options options_;
  ProbeModel model_;
};

}  // namespace

TaskEntry position_probe_task() {
  return task_entry<PositionProbeTask>(
      "position_probe",
      "Su's position probe: n identical tokens -> positions 1..n (per-position accuracy)");
}

}  // namespace liandan::experiments
