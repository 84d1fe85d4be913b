// A 2-layer GPT trained with AdamW learns the copy task (the attention issue's end-to-end check).
#include <doctest/doctest.h>

#include "liandan/core/random.hpp"
#include "liandan/nn/losses.hpp"
#include "liandan/nn/models/gpt.hpp"
#include "liandan/optim/adamw.hpp"

using namespace liandan;

TEST_CASE("GPT: a 2-layer model learns the copy task to over 99% token accuracy") {
  // [x_1 .. x_8, SEP, x_1 .. x_8]: the loss and the accuracy count the copied half.
  constexpr std::int64_t n = 8, vocab = 12, sep = 1, batch = 32;
  core::manual_seed(0);
  nn::GPT model({.vocab_size = vocab,
                 .max_len = 2 * n + 1,
                 .n_layers = 2,
                 .d_model = 64,
                 .n_heads = 4,
                 .mlp_ratio = 4});
  optim::AdamW opt(model.named_parameters(), {.lr = 3e-3, .weight_decay = 0.0});
  core::Generator gen(1);
  auto make_batch = [&] {
    const std::vector<std::int64_t> x =
        core::randint(2, vocab, {batch, n}, gen).to_vector<std::int64_t>();
    std::vector<std::int64_t> input, target;
    for (std::int64_t b = 0; b < batch; ++b) {
      std::vector<std::int64_t> seq(x.begin() + b * n, x.begin() + (b + 1) * n);
      seq.push_back(sep);
      seq.insert(seq.end(), x.begin() + b * n, x.begin() + (b + 1) * n);
      for (std::int64_t t = 0; t < 2 * n; ++t) {
        input.push_back(seq[t]);
        target.push_back(t >= n ? seq[t + 1] : -100);
      }
    }
    return std::pair{
        Tensor(core::Tensor::from(std::span<const std::int64_t>(input), Shape{batch, 2 * n})),
        Tensor(core::Tensor::from(std::span<const std::int64_t>(target), Shape{batch, 2 * n}))};
  };
  auto loss_of = [&](const Tensor& logits, const Tensor& target) {
    return nn::cross_entropy(reshape(logits, {batch * 2 * n, vocab}),
                             reshape(target, {batch * 2 * n}), {.ignore_index = -100});
  };
  for (int step = 0; step < 600; ++step) {
    const auto [input, target] = make_batch();
    opt.zero_grad();
    loss_of(model(input), target).backward();
    opt.step();
  }
  const auto [input, target] = make_batch();
  const std::vector<std::int64_t> predicted =
      core::argmax(model(input).data(), -1).to_vector<std::int64_t>();
  const std::vector<std::int64_t> expected = target.to_vector<std::int64_t>();
  int right = 0, total = 0;
  for (std::size_t i = 0; i < expected.size(); ++i)
    if (expected[i] != -100) ++total, right += predicted[i] == expected[i];
  INFO("copy accuracy " << double(right) / total);
  CHECK(double(right) / total > 0.99);
}
