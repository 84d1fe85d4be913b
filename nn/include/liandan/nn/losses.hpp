// Loss functions, as PyTorch's torch.nn.functional: composed of differentiable ops, so their
// gradients (and gradients of gradients) come from the tape. Each checks its inputs and names
// itself, the shapes and the offending value in its errors.
#pragma once

#include <cstdint>

#include "liandan/autograd/tensor.hpp"

namespace liandan::nn {

// How the per-element losses are combined. batchmean (sum / batch size) is kl_div's only.
enum class Reduction { none, mean, sum, batchmean };

// ---- classification over C classes, target = i64 class indices
// logits / log_probs: (N, C) or (N, C, d1, ...) or (C); target: (N) or (N, d1, ...) or ().

struct NLLLossOptions {
  std::int64_t ignore_index = -100;  // targets equal to it add nothing and do not count
  Reduction reduction = Reduction::mean;
  Tensor weight = {};  // optional (C) rescaling of each class
};

struct CrossEntropyOptions {
  std::int64_t ignore_index = -100;
  double label_smoothing = 0;  // in [0, 1]: the target mixes with the uniform distribution
  Reduction reduction = Reduction::mean;
  Tensor weight = {};  // optional (C)
};

// -log_probs[i, target[i]] (times weight[target[i]]). mean divides by the summed weights of
// the non-ignored targets (their count without weight), as PyTorch.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const NLLLossOptions& options = {});

// nll_loss(log_softmax(logits, 1)) mixed with label smoothing (see Note [Label smoothing]).
Tensor cross_entropy(const Tensor& logits, const Tensor& target,
                     const CrossEntropyOptions& options = {});

// ---- binary classification, target = probabilities of the positive class, same shape

struct BCEWithLogitsOptions {
  Tensor pos_weight = {};  // optional, broadcast against the last dims (one weight per class)
  Reduction reduction = Reduction::mean;
  Tensor weight = {};  // optional, broadcast to the input: rescales each element's loss
};

// -w [pw t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))], stable for any x.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const BCEWithLogitsOptions& options = {});

// ---- regression; input and target have the same shape (no silent broadcasting)

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta; beta = 0 is l1_loss.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      Reduction reduction = Reduction::mean, double beta = 1.0);
// 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): delta * smooth_l1_loss(beta = delta).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean,
                  double delta = 1.0);

// ---- distributions

struct KLDivOptions {
  Reduction reduction = Reduction::mean;  // batchmean gives the true KL divergence per sample
  bool log_target = false;                // target given as log-probabilities
};

// KL(target || input) pointwise: target (log target - input); input holds log-probabilities.
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivOptions& options = {});

}  // namespace liandan::nn
