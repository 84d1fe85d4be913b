// Every public options struct built the way user code builds it: a designated initializer that
// sets one late field and leaves the earlier ones to their defaults, passed as a temporary.
// This file is compiled twice (Note [Option structs] in tests/user_flags/test_option_structs.cpp):
// once with the library's flags, once with a user's -O3 -march=... flags; both must describe
// the same objects.
#include <string>
#include <utility>
#include <vector>

#include "liandan/liandan.hpp"

namespace OPTION_CASES_NAMESPACE {

using namespace liandan;
using Cases = std::vector<std::pair<std::string, std::string>>;

namespace {

// Every option each parameter uses, resolved.
std::string groups(const optim::Optimizer& opt) {
  std::string out;
  for (std::size_t i = 0; i < opt.num_params(); ++i)
    for (const auto& [key, value] : opt.per_param_options(i)) out += key + "=" + str(value) + " ";
  return out;
}

std::string shape_of(const nn::Module& m) {
  std::string out = m.str();
  for (const auto& [key, p] : m.named_parameters())
    out += " " + key + p.shape().str() + std::string(name(p.dtype()));
  return out;
}

}  // namespace

Cases option_cases() {
  const DType f64 = DType::f64;
  Cases cases;
  auto add = [&](std::string name, std::string description) {
    cases.emplace_back(std::move(name), std::move(description));
  };
  add("Conv2d", shape_of(nn::Conv2d(2, 3, 3, {.dtype = f64})));
  add("Conv2d groups", shape_of(nn::Conv2d(4, 4, 3, {.groups = 2})));
  add("ConvTranspose2d", shape_of(nn::ConvTranspose2d(4, 2, 3, {.dtype = f64})));
  add("ConvTranspose2d stride", shape_of(nn::ConvTranspose2d(4, 2, 3, {.stride = 2})));
  add("MaxPool2d", nn::MaxPool2d(3, {.padding = 1}).str());
  add("AvgPool2d", nn::AvgPool2d(3, {.count_include_pad = false}).str());
  add("Linear", shape_of(nn::Linear(3, 4, {.dtype = f64})));
  add("Embedding", shape_of(nn::Embedding(5, 3, {.dtype = f64})));
  add("LayerNorm", shape_of(nn::LayerNorm(6, {.dtype = f64})));
  add("RMSNorm", shape_of(nn::RMSNorm(6, {.dtype = f64})));
  add("BatchNorm1d", shape_of(nn::BatchNorm1d(3, {.dtype = f64})));
  add("BatchNorm2d", shape_of(nn::BatchNorm2d(3, {.track_running_stats = false})));
  add("MultiHeadAttention", shape_of(nn::MultiHeadAttention(8, 2, {.dtype = f64})));
  add("MLP", shape_of(nn::MLP(4, 8, {.dtype = f64})));
  add("MLP out_features", shape_of(nn::MLP(4, 8, {.out_features = 3})));
  add("GAU", shape_of(nn::GAU(8, {.dtype = f64})));
  add("FLASH", shape_of(nn::FLASH(8, {.dtype = f64})));
  add("LinearAttention", shape_of(nn::LinearAttention(8, 2, {.dtype = f64})));
  add("LearnedPositionalEmbedding", shape_of(nn::LearnedPositionalEmbedding(8, 4, {.dtype = f64})));
  add("RotaryEmbedding", nn::RotaryEmbedding(8, {.grid_width = 0}).str());
  add("TransformerBlock", shape_of(nn::TransformerBlock(8, 2, {.dtype = f64})));
  add("GPT", shape_of(nn::GPT({.vocab_size = 16,
                               .max_len = 8,
                               .n_layers = 1,
                               .d_model = 8,
                               .n_heads = 2,
                               .dtype = f64})));
  add("ViT", shape_of(nn::ViT({.image_size = 8,
                               .patch_size = 4,
                               .n_layers = 1,
                               .d_model = 8,
                               .n_heads = 2,
                               .dtype = f64})));
  add("RoFormer",
      shape_of(nn::RoFormer(
          {.vocab_size = 16, .n_layers = 1, .d_model = 8, .n_heads = 2, .dtype = f64})));

  nn::Linear layer(3, 2);
  const auto params = [&] { return optim::single_group(layer.named_parameters()); };
  add("SGD", groups(optim::SGD(params(), {.nesterov = false})));
  add("SGD momentum", groups(optim::SGD(params(), {.momentum = 0.9, .nesterov = true})));
  add("Adam", groups(optim::Adam(params(), {.amsgrad = true})));
  add("AdamW", groups(optim::AdamW(params(), {.amsgrad = true})));
  add("Lion", groups(optim::Lion(params(), {.weight_decay = 0.5})));
  add("Tiger", groups(optim::Tiger(params(), {.weight_decay = 0.5})));
  add("Amos", groups(optim::Amos(params(), {.epsilon = 1e-30})));
  add("Muon", groups(optim::Muon(params(), {.ns_steps = 3})));

  const data::CopyTask copy({.ignore_index = -7});
  add("CopyTask", copy.name() + " " + std::to_string(copy.size()));
  return cases;
}

}  // namespace OPTION_CASES_NAMESPACE
