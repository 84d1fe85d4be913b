// The models of nn/models: GPT (every attention and position kind; incremental decoding equals
// the full forward; generation with and without caches gives the same tokens; a 2-layer GPT
// the copy task is in tests/optim/test_copy_task.cpp), sampling, RoFormer's bidirectional and UniLM
// masks, the ViT, gradcheck/gradgradcheck of a Transformer block in f64, and one mask polarity
// for both attention kinds of the block.
#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "liandan/core/random.hpp"
#include "liandan/nn/losses.hpp"
#include "liandan/nn/models/generation.hpp"
#include "liandan/nn/models/gpt.hpp"
#include "liandan/nn/models/roformer.hpp"
#include "liandan/nn/models/vit.hpp"
#include "support/fixtures.hpp"
#include "support/gradients.hpp"

using namespace liandan;

namespace {

nn::GPTConfig tiny_gpt(nn::AttentionKind attention, nn::PositionKind positions) {
  return {.vocab_size = 17,
          .max_len = 24,
          .n_layers = 2,
          .d_model = 16,
          .n_heads = 2,
          .mlp_ratio = 2,
          .attention = attention,
          .positions = positions};
}

Tensor random_tokens(std::int64_t b, std::int64_t t, std::int64_t vocab, std::uint64_t seed) {
  core::Generator gen(seed);
  return Tensor(core::randint(0, vocab, {b, t}, gen));
}

const std::vector<std::pair<nn::AttentionKind, nn::PositionKind>> kAllKinds{
    {nn::AttentionKind::softmax, nn::PositionKind::learned},
    {nn::AttentionKind::softmax, nn::PositionKind::sinusoidal},
    {nn::AttentionKind::softmax, nn::PositionKind::rope},
    {nn::AttentionKind::softmax, nn::PositionKind::none},
    {nn::AttentionKind::linear, nn::PositionKind::learned},
    {nn::AttentionKind::linear, nn::PositionKind::rope},
};

}  // namespace

TEST_CASE("GPT: incremental decoding with caches equals the full forward") {
  for (const auto& [attention, positions] : kAllKinds) {
    INFO(nn::to_string(attention) << " attention, " << nn::to_string(positions) << " positions");
    core::manual_seed(1);
    nn::GPT model(tiny_gpt(attention, positions));
    const Tensor tokens = random_tokens(2, 11, 17, 5);
    const Tensor full = model(tokens);
    CHECK(full.shape() == Shape{2, 11, 17});
    nn::GPTCache cache = model.new_cache();
    std::vector<Tensor> pieces;
    // a prompt of 4, then one token at a time
    pieces.push_back(model.forward(slice(tokens, 1, 0, 4), cache));
    for (std::int64_t t = 4; t < 11; ++t)
      pieces.push_back(model.forward(slice(tokens, 1, t, t + 1), cache));
    CHECK(cache.length == 11);
    test::expect_close(cat(pieces, 1).data(), full.data(), 1e-4, 1e-5);
  }
}

TEST_CASE("GPT: a causal model's output at t does not depend on later tokens") {
  for (const auto& [attention, positions] : kAllKinds) {
    INFO(nn::to_string(attention) << " attention, " << nn::to_string(positions) << " positions");
    nn::GPT model(tiny_gpt(attention, positions));
    Tensor a = random_tokens(1, 9, 17, 2);
    std::vector<std::int64_t> changed = a.to_vector<std::int64_t>();
    changed[6] = (changed[6] + 1) % 17;
    const Tensor b(core::Tensor::from(std::span<const std::int64_t>(changed), Shape{1, 9}));
    const core::Tensor la = model(a).data(), lb = model(b).data();
    test::expect_close(la.slice(1, 0, 6), lb.slice(1, 0, 6), 1e-6, 1e-7);
    CHECK(core::amax(core::abs(core::sub(la.slice(1, 6, 9), lb.slice(1, 6, 9)))).item() > 1e-4);
  }
}

TEST_CASE("generate: cached decoding gives the tokens of re-running the full forward") {
  const std::vector<nn::SamplingOptions> samplings{
      {.greedy = true}, {.temperature = 0.8}, {.top_k = 5}, {.temperature = 1.3, .top_p = 0.9}};
  for (const auto& [attention, positions] : kAllKinds) {
    INFO(nn::to_string(attention) << " attention, " << nn::to_string(positions) << " positions");
    nn::GPT model(tiny_gpt(attention, positions));
    const Tensor prompt = random_tokens(3, 4, 17, 9);
    for (const nn::SamplingOptions& s : samplings) {
      const nn::GenerateOptions cached{.max_new_tokens = 12, .sampling = s, .seed = 4};
      nn::GenerateOptions full = cached;
      full.use_cache = false;
      const Tensor a = nn::generate(model, prompt, cached);
      CHECK(a.shape() == Shape{3, 16});
      CHECK(a.to_vector<std::int64_t>() ==
            nn::generate(model, prompt, full).to_vector<std::int64_t>());
      CHECK(a.data().slice(1, 0, 4).contiguous().to_vector<std::int64_t>() ==
            prompt.to_vector<std::int64_t>());
    }
  }
}

TEST_CASE("sample_next: greedy, top-k, top-p and the sampling distribution") {
  const core::Tensor logits =
      core::Tensor::from({1.0, 3.0, 2.0, 3.0, -1.0, 0.0, 0.5, 0.2}, Shape{2, 4});
  core::Generator gen(0);
  CHECK(nn::sample_next(logits, {.greedy = true}, gen).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{1, 2});  // ties: the lowest token
  for (int i = 0; i < 20; ++i) {
    CHECK(nn::sample_next(logits, {.top_k = 1}, gen).to_vector<std::int64_t>() ==
          std::vector<std::int64_t>{1, 2});
    CHECK(nn::sample_next(logits, {.top_p = 0.01}, gen).to_vector<std::int64_t>() ==
          std::vector<std::int64_t>{1, 2});
    const auto two = nn::sample_next(logits, {.top_k = 2}, gen).to_vector<std::int64_t>();
    CHECK((two[0] == 1 || two[0] == 3));
  }
  // frequencies follow softmax(logits / T)
  const core::Tensor row = core::Tensor::from({0.0, 1.0, 2.0, -1.0}, Shape{1, 4});
  const double T = 1.5;
  std::vector<double> p(4);
  double z = 0;
  for (int i = 0; i < 4; ++i) z += p[i] = std::exp(row.to_vector<double>()[i] / T);
  std::vector<int> count(4);
  const int n = 20000;
  for (int i = 0; i < n; ++i)
    ++count[nn::sample_next(row, {.temperature = T}, gen).item<std::int64_t>()];
  for (int i = 0; i < 4; ++i) {
    const double expected = p[i] / z;
    CHECK(std::abs(count[i] / double(n) - expected) < 4 * std::sqrt(expected / n) + 1e-3);
  }
  CHECK_THROWS_WITH_AS(nn::sample_next(row, {.temperature = 0}, gen),
                       doctest::Contains("temperature 0 must be > 0"), Error);
}

TEST_CASE("RoFormer: bidirectional encoding, and UniLM's seq2seq mask") {
  core::manual_seed(2);
  nn::RoFormer model(
      {.vocab_size = 17, .n_layers = 2, .d_model = 16, .n_heads = 2, .mlp_ratio = 2});
  const Tensor a = random_tokens(1, 8, 17, 3);
  std::vector<std::int64_t> v = a.to_vector<std::int64_t>();
  v[6] = (v[6] + 1) % 17;  // a target token (source length 4)
  const Tensor b(core::Tensor::from(std::span<const std::int64_t>(v), Shape{1, 8}));
  const auto diff = [](const Tensor& x, const Tensor& y, std::int64_t from, std::int64_t to) {
    return core::amax(
               core::abs(core::sub(x.data().slice(1, from, to), y.data().slice(1, from, to))))
        .item();
  };
  // bidirectional: every position sees the change
  CHECK(diff(model.mlm_logits(a), model.mlm_logits(b), 0, 6) > 1e-4);
  CHECK(model.mlm_logits(a).shape() == Shape{1, 8, 17});
  // seq2seq: the source and the targets before position 6 do not
  const Tensor lengths(core::Tensor::from<std::int64_t>({4}, Shape{1}));
  const Tensor sa = model.seq2seq_logits(a, lengths), sb = model.seq2seq_logits(b, lengths);
  CHECK(diff(sa, sb, 0, 6) < 1e-6);
  CHECK(diff(sa, sb, 6, 8) > 1e-4);
  // a source change reaches every position, including earlier source positions
  v = a.to_vector<std::int64_t>();
  v[3] = (v[3] + 1) % 17;
  const Tensor c(core::Tensor::from(std::span<const std::int64_t>(v), Shape{1, 8}));
  CHECK(diff(sa, model.seq2seq_logits(c, lengths), 0, 1) > 1e-4);
  // the MLM head is trained: every parameter gets a gradient
  sum(model.mlm_logits(a)).backward();
  for (const auto& [name, p] : model.named_parameters()) {
    INFO(name);
    CHECK(p.grad().defined());
  }
}

TEST_CASE("ViT: RoPE-2D over the patch grid, logits per image, every parameter trained") {
  core::manual_seed(3);
  nn::ViT vit({.n_layers = 2, .d_model = 32, .n_heads = 2});
  const Tensor images(core::uniform({3, 1, 28, 28}));
  const Tensor logits = vit(images);
  CHECK(logits.shape() == Shape{3, 10});
  sum(logits).backward();
  for (const auto& [name, p] : vit.named_parameters()) {
    INFO(name);
    CHECK(p.grad().defined());
  }
  CHECK_THROWS_WITH_AS(nn::ViT({.patch_size = 5}),
                       doctest::Contains("not a multiple of patch_size 5"), Error);
}

TEST_CASE("TransformerBlock: gradcheck and gradgradcheck in f64, both attention kinds") {
  for (const nn::AttentionKind kind : {nn::AttentionKind::softmax, nn::AttentionKind::linear}) {
    INFO(nn::to_string(kind));
    core::manual_seed(4);
    nn::TransformerBlock block(8, 2,
                               {.attention = kind,
                                .causal = true,
                                .rope = nn::RopeKind::rope_1d,
                                .mlp_ratio = 1,
                                .dtype = DType::f64});
    test::check_grads(
        [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{block(in[0])}; },
        {test::rnd({1, 5, 8})});
  }
}

TEST_CASE("TransformerBlock::forward(x, mask): softmax and linear attention see the same keys") {
  // One bool mask, true = may attend, (B, H, 1, T): sequence 0 hides keys 1 and 3, sequence 1
  // hides key 0. A key is visible to the last query iff changing its token changes that
  // query's output (the last query sees every unmasked key, causal or not).
  constexpr std::int64_t B = 2, T = 5, C = 8;
  const Tensor mask =
      tensor<bool>({true, false, true, false, true, false, true, true, true, true}, {B, 1, 1, T});
  const std::vector<bool> visible = mask.to_vector<bool>();
  const Tensor x = randn({B, T, C});
  for (const nn::AttentionKind kind : {nn::AttentionKind::softmax, nn::AttentionKind::linear}) {
    for (const bool causal : {false, true}) {
      INFO(nn::to_string(kind), " causal=", causal);
      nn::TransformerBlock block(C, 2, {.attention = kind, .causal = causal});
      const Tensor last = select(block.forward(x, mask), 1, T - 1);  // (B, C)
      for (std::int64_t b = 0; b < B; ++b) {
        for (std::int64_t j = 0; j < T - 1; ++j) {
          CAPTURE(b);
          CAPTURE(j);
          std::vector<float> bump(B * T * C, 0.f);
          // Not constant over channels: ln1 would remove a constant shift.
          for (std::int64_t c = 0; c < C; ++c) bump[(b * T + j) * C + c] = c % 2 ? 1.f : -0.5f;
          const Tensor moved = block.forward(x + tensor<float>(bump, {B, T, C}), mask);
          const double change = amax(abs(select(moved, 1, T - 1) - last)).item();
          if (visible[b * T + j])
            CHECK(change > 1e-4);
          else
            CHECK(change < 1e-6);
        }
      }
    }
  }
}
