// Su's position probe (Note [Position probe] in builtin_tasks.hpp).
#include <cmath>
#include <optional>

#include "liandan/autograd/autograd.hpp"
#include "liandan/experiments/builtin_tasks.hpp"
#include "liandan/nn/gau.hpp"
#include "liandan/nn/losses.hpp"
#include "liandan/nn/models/transformer_block.hpp"
#include "liandan/nn/positional.hpp"

namespace liandan::experiments {
namespace {

constexpr std::int64_t kZero = 0, kCls = 1, kSep = 2;

// Embeddings of the tokens (and learned positions), blocks, a LayerNorm and a scalar head.
class ProbeModel : public nn::Module {
 public:
  explicit ProbeModel(const ProbeOptions& o)
      : embed(3, o.d_model), ln_f(Shape{o.d_model}), head(o.d_model, 1) {
    check(o.positions == "none" || o.positions == "learned" || o.positions == "rope",
          "model.positions: '{}' is not one of none, learned, rope", o.positions);
    check(o.variant == "softmax" || o.variant == "boundary" || o.variant == "gau",
          "model.variant: '{}' is not one of softmax, boundary, gau", o.variant);
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

}  // namespace

PositionProbeTask::PositionProbeTask(const ProbeOptions& o, std::uint64_t /*seed*/)
    : options_(o), model_(std::make_unique<ProbeModel>(o)) {}

Tensor PositionProbeTask::predict(std::int64_t batch) {
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
  const Tensor out = (*model_)(input);
  return boundary ? slice(out, 1, 1, n + 1) : out;
}

Batch PositionProbeTask::next_batch() {
  const std::int64_t b = options_.batch_size, n = options_.length;
  std::vector<float> target;
  for (std::int64_t i = 0; i < b; ++i)
    for (std::int64_t t = 1; t <= n; ++t) target.push_back(float(t));
  return {.tensors = {{"target", core::Tensor::from(std::span<const float>(target), Shape{b, n})}},
          .examples = b,
          .tokens = b * n};
}

Tensor PositionProbeTask::loss(const Batch& batch) {
  return nn::mse_loss(predict(options_.batch_size), batch["target"]);
}

std::map<std::string, double> PositionProbeTask::evaluate() {
  NoGradGuard no_grad;
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

}  // namespace liandan::experiments
