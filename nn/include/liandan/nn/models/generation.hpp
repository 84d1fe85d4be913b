// Sampling from a language model: greedy, temperature, top-k and top-p (nucleus) sampling,
// and generate(), which decodes with the model's KV cache / recurrent state or, as the oracle,
// by re-running the full forward each step (same tokens).
#pragma once

#include <cstdint>

#include "liandan/core/random.hpp"
#include "liandan/nn/models/gpt.hpp"

namespace liandan::nn {

struct SamplingOptions {
  bool greedy = false;       // argmax (ties: the lowest token), ignoring the rest
  double temperature = 1.0;  // > 0: logits / temperature
  std::int64_t top_k = 0;    // > 0: keep the k most likely tokens
  double top_p = 1.0;        // < 1: keep the smallest set of most likely tokens with mass >= p
};

// One token per row of logits (B, V): (B) i64. Draws one uniform per row from gen.
core::Tensor sample_next(const core::Tensor& logits, const SamplingOptions& options,
                         core::Generator& gen);

struct GenerateOptions {
  std::int64_t max_new_tokens = 32;
  SamplingOptions sampling{};
  std::uint64_t seed = 0;  // of the sampling generator
  bool use_cache = true;   // false: the full forward over all tokens at every step
};

// prompt (B, T0) i64 -> (B, T0 + max_new_tokens), under NoGradGuard. Positions must fit the
// model's max_len.
Tensor generate(GPT& model, const Tensor& prompt, const GenerateOptions& options);

}  // namespace liandan::nn
