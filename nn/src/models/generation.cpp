// Sampling and the decode loop (nn/models/generation.hpp).
#include "liandan/nn/models/generation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan::nn {

core::Tensor sample_next(const core::Tensor& logits, const SamplingOptions& o,
                         core::Generator& gen) {
  check(logits.dim() == 2, "sample_next: logits must be (B, V), got {}", logits.shape().str());
  check(o.temperature > 0, "sample_next: temperature {} must be > 0", o.temperature);
  check(o.top_k >= 0, "sample_next: top_k {} must be >= 0", o.top_k);
  check(o.top_p > 0 && o.top_p <= 1, "sample_next: top_p {} must be in (0, 1]", o.top_p);
  const std::int64_t B = logits.shape()[0], V = logits.shape()[1];
  const std::vector<double> x = logits.to(DType::f64).contiguous().to_vector<double>();
  const std::vector<double> u = core::uniform({B}, 0, 1, DType::f64, gen).to_vector<double>();
  std::vector<std::int64_t> out(B);
  std::vector<std::int64_t> order(V);
  std::vector<double> p(V);
  for (std::int64_t b = 0; b < B; ++b) {
    const double* row = x.data() + b * V;
    if (o.greedy) {
      out[b] = std::max_element(row, row + V) - row;
      continue;
    }
    // Most likely first; ties by token id, so the draw is deterministic.
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::int64_t i, std::int64_t j) { return row[i] > row[j]; });
    std::int64_t keep = o.top_k > 0 ? std::min(o.top_k, V) : V;
    double total = 0;
    for (std::int64_t r = 0; r < keep; ++r)
      total += p[r] = std::exp((row[order[r]] - row[order[0]]) / o.temperature);
    if (o.top_p < 1) {
      double mass = 0;
      for (std::int64_t r = 0; r < keep; ++r)
        if ((mass += p[r] / total) >= o.top_p) {
          keep = r + 1;
          break;
        }
      total = std::accumulate(p.begin(), p.begin() + keep, 0.0);
    }
    double target = u[b] * total, acc = 0;
    out[b] = order[keep - 1];
    for (std::int64_t r = 0; r < keep; ++r)
      if ((acc += p[r]) > target) {
        out[b] = order[r];
        break;
      }
  }
  return core::Tensor::from(std::span<const std::int64_t>(out), Shape{B});
}

Tensor generate(GPT& model, const Tensor& prompt, const GenerateOptions& o) {
  check(prompt.dim() == 2 && prompt.dtype() == DType::i64 && prompt.size(1) > 0,
        "generate: prompt must be (B, T0) i64 with T0 >= 1, got {} {}", prompt.shape(),
        name(prompt.dtype()));
  NoGradGuard no_grad;
  core::Generator gen(o.seed);
  Tensor tokens = prompt;
  GPTCache cache = model.new_cache();
  Tensor fresh = prompt;  // the tokens the cache has not seen
  for (std::int64_t step = 0; step < o.max_new_tokens; ++step) {
    const Tensor logits = o.use_cache ? model.forward(fresh, cache) : model.forward(tokens);
    const Tensor last = select(logits, 1, logits.size(1) - 1);  // (B, V)
    const Tensor next(sample_next(last.data(), o.sampling, gen).reshape({prompt.size(0), 1}));
    tokens = cat({tokens, next}, 1);
    fresh = next;
  }
  return tokens;
}

}  // namespace liandan::nn
