// Loss functions composed of differentiable ops (no nodes of their own): each checks its
// inputs, builds the per-element loss, then reduces it.
//
// Dims: N = batch, C = classes, d1... = extra dims of dense prediction (e.g. H, W),
//       M = N d1... = the number of class predictions.
#include "liandan/nn/losses.hpp"

#include <cmath>
#include <vector>

#include "liandan/autograd/ops.hpp"

namespace liandan::nn {
namespace {

Tensor constant(double value, DType dtype) { return Tensor(core::Tensor::scalar(value, dtype)); }

void check_floating(const char* op, const char* what, const Tensor& t) {
  check(t.defined(), "{}: {} is undefined", op, what);
  check(is_floating(t.dtype()), "{}: {} must be f32 or f64, got {} {}", op, what, t.dtype(),
        t.shape());
}

// input and target of an elementwise loss: floating, one dtype, one shape.
void check_pair(const char* op, const Tensor& input, const Tensor& target) {
  check_floating(op, "input", input);
  check_floating(op, "target", target);
  check(input.shape() == target.shape(), "{}: input {} and target {} differ in shape", op,
        input.shape(), target.shape());
  check(input.dtype() == target.dtype(), "{}: input is {} but target is {}", op, input.dtype(),
        target.dtype());
}

Tensor reduce(const char* op, const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::none:
      return loss;
    case Reduction::mean:
      return mean(loss);
    case Reduction::sum:
      return sum(loss);
    case Reduction::batchmean:
      break;
  }
  throw Error(
      fmt::format("{}: reduction batchmean is only for kl_div (use none, mean or sum)", op));
}

// ---- class-index targets (nll_loss, cross_entropy)

// Note [Class-index losses]: the input (N, C, d1...) is moved to (N, d1..., C) and flattened
// to rows (M, C); the target (N, d1...) to (M). Ignored targets are replaced by class 0 for the
// gather and masked out with where() (not multiplied by 0, which would turn a -inf log
// probability into NaN), so they add nothing, not even to the gradient; `mean` divides by the
// summed class weights of the counted targets (their count without weights), as PyTorch.
struct ClassRows {
  Tensor rows;              // (M, C) the input's values, one row per prediction
  Tensor index;             // (M, 1) i64 target class, 0 where ignored
  Tensor counted;           // (M) bool: the target counts (is not ignored)
  Tensor weight;            // (M) class weight of the target, 0 where ignored (input dtype)
  double total_weight = 0;  // sum of weight: the divisor of `mean`
  Shape out_shape;          // the target's shape: the result of reduction none
};

ClassRows class_rows(const char* op, const Tensor& input, const Tensor& target,
                     std::int64_t ignore_index, const Tensor& class_weight) {
  check_floating(op, "input", input);
  check(target.defined(), "{}: target is undefined", op);
  check(input.dim() >= 1, "{}: input must be (N, C, d1...) or (C), got a 0-dim tensor", op);
  check(target.dtype() == DType::i64, "{}: target must hold i64 class indices, got {} {}", op,
        target.dtype(), target.shape());
  // Expected target shape: the input's without the class dim.
  const int class_dim = input.dim() == 1 ? 0 : 1;
  Shape expected = input.shape();
  expected.erase(class_dim);
  check(target.shape() == expected,
        "{}: target {} does not match input {} (expected target {}: the input without its "
        "class dim {})",
        op, target.shape(), input.shape(), expected, class_dim);
  const std::int64_t C = input.size(class_dim);
  const std::int64_t M = target.numel();
  std::vector<double> w(C, 1.0);
  if (class_weight.defined()) {
    check(class_weight.dim() == 1 && class_weight.size(0) == C,
          "{}: weight {} must be (C) = [{}] for input {}", op, class_weight.shape(), C,
          input.shape());
    check(class_weight.dtype() == input.dtype(), "{}: weight is {} but input is {}", op,
          class_weight.dtype(), input.dtype());
    w = class_weight.to_vector<double>();
  }

  const std::vector<std::int64_t> t = target.to_vector<std::int64_t>();
  std::vector<std::int64_t> index(M);
  std::vector<double> counted(M), weight(M);
  double total = 0;
  for (std::int64_t i = 0; i < M; ++i) {
    if (t[i] == ignore_index) continue;  // index 0, weight 0
    check(t[i] >= 0 && t[i] < C,
          "{}: target value {} (at flat index {}) is out of range for {} classes (input {}, "
          "target {}, ignore_index {})",
          op, t[i], i, C, input.shape(), target.shape(), ignore_index);
    index[i] = t[i];
    counted[i] = 1;
    weight[i] = w[t[i]];
    total += w[t[i]];
  }

  ClassRows r;
  if (input.dim() <= 2) {
    r.rows = reshape(input, {M, C});
  } else {  // (N, C, d1...) -> (N, d1..., C) -> (M, C)
    Dims order{0};
    for (int d = 2; d < input.dim(); ++d) order.push_back(d);
    order.push_back(1);
    r.rows = reshape(permute(input, order), {M, C});
  }
  const DType dt = input.dtype();
  r.index = Tensor(core::Tensor::from(std::span<const std::int64_t>(index), {M, 1}));
  r.counted = Tensor(core::Tensor::from(std::span<const double>(counted), {M}).to(DType::b8));
  r.weight = Tensor(core::Tensor::from(std::span<const double>(weight), {M}).to(dt));
  r.total_weight = total;
  r.out_shape = target.shape();
  return r;
}

// Reduces per-prediction losses (M): none reshapes to the target's shape; mean divides by the
// summed weights (NaN when every target is ignored, as PyTorch).
Tensor reduce_rows(const char* op, const Tensor& loss, const ClassRows& r, Reduction reduction) {
  switch (reduction) {
    case Reduction::none:
      return reshape(loss, r.out_shape);
    case Reduction::sum:
      return sum(loss);
    case Reduction::mean:
      return div(sum(loss), constant(r.total_weight, loss.dtype()));
    case Reduction::batchmean:
      break;
  }
  return reduce(op, loss, reduction);  // throws
}

// -rows[i, target[i]] weight[i], 0 where ignored: (M).
Tensor picked_nll(const ClassRows& r) {
  const std::int64_t M = r.index.size(0);
  const Tensor picked = reshape(gather(r.rows, 1, r.index), {M});
  return where(r.counted, neg(picked) * r.weight, constant(0, picked.dtype()));
}

// cross_entropy with class-probability targets (same shape as the logits), as PyTorch:
// -sum_c weight_c t_c log_softmax(x)_c per prediction; mean divides by M.
Tensor cross_entropy_probs(const Tensor& logits, const Tensor& target,
                           const CrossEntropyOptions& o) {
  const char* op = "cross_entropy";
  check_pair(op, logits, target);
  const int class_dim = logits.dim() == 1 ? 0 : 1;
  const std::int64_t C = logits.size(class_dim);
  Tensor t = target;
  if (o.label_smoothing > 0) t = t * (1 - o.label_smoothing) + o.label_smoothing / C;
  Tensor prod = log_softmax(logits, class_dim) * t;
  if (o.weight.defined()) {
    check(o.weight.dim() == 1 && o.weight.size(0) == C,
          "{}: weight {} must be (C) = [{}] for input {}", op, o.weight.shape(), C, logits.shape());
    Shape ws = Shape::filled(logits.dim(), 1);
    ws[class_dim] = C;
    prod = prod * reshape(o.weight, ws);
  }
  const Tensor loss = neg(sum(prod, {class_dim}));  // the input without its class dim
  return reduce(op, loss, o.reduction);
}

}  // namespace

// ---- nll_loss

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const NLLLossOptions& o) {
  const char* op = "nll_loss";
  const ClassRows r = class_rows(op, log_probs, target, o.ignore_index, o.weight);
  return reduce_rows(op, picked_nll(r), r, o.reduction);
}

// ---- cross_entropy

// Note [Label smoothing]: with smoothing e the target distribution is (1 - e) one_hot(t) + e/C,
// so the loss is (1 - e) nll + (e/C) smooth with smooth = -sum_c weight_c log p_c. As PyTorch,
// the smooth term is zero for ignored targets and `mean` divides it by the same summed target
// weights as nll (not by the count of predictions).
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& o) {
  const char* op = "cross_entropy";
  check(o.label_smoothing >= 0 && o.label_smoothing <= 1,
        "{}: label_smoothing must be in [0, 1], got {}", op, o.label_smoothing);
  check(logits.defined() && target.defined(), "{}: logits or target is undefined", op);
  if (is_floating(target.dtype())) {
    check(target.shape() == logits.shape(),
          "{}: a floating target holds class probabilities and must match logits {}, got {} {} "
          "(class indices are i64)",
          op, logits.shape(), target.dtype(), target.shape());
    return cross_entropy_probs(logits, target, o);
  }
  check_floating(op, "logits", logits);
  check(logits.dim() >= 1, "{}: logits must be (N, C, d1...) or (C), got a 0-dim tensor", op);
  const Tensor log_probs = log_softmax(logits, logits.dim() == 1 ? 0 : 1);
  const ClassRows r = class_rows(op, log_probs, target, o.ignore_index, o.weight);
  const Tensor nll = reduce_rows(op, picked_nll(r), r, o.reduction);
  const double e = o.label_smoothing;
  if (e == 0) return nll;
  const std::int64_t C = r.rows.size(1);
  const Tensor weighted = o.weight.defined() ? r.rows * reshape(o.weight, {1, C}) : r.rows;
  const Tensor smooth = where(r.counted, neg(sum(weighted, {1})), constant(0, logits.dtype()));
  return nll * (1 - e) + reduce_rows(op, smooth, r, o.reduction) * (e / C);
}

// ---- binary_cross_entropy_with_logits

// loss = (1 - t) x + lw softplus(-x), lw = 1 + (pw - 1) t: the same as
// -[pw t log sigmoid(x) + (1 - t) log sigmoid(-x)] since log sigmoid(x) = -softplus(-x), with
// no exp that can overflow. The softplus threshold 40 keeps it exact in f64 (PyTorch computes
// log_sigmoid without a threshold).
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const BCEWithLogitsOptions& o) {
  const char* op = "binary_cross_entropy_with_logits";
  check_pair(op, logits, target);
  const Tensor sp = softplus(neg(logits), 1.0, 40.0);
  Tensor loss;
  if (o.pos_weight.defined()) {
    check_floating(op, "pos_weight", o.pos_weight);
    check(o.pos_weight.dtype() == logits.dtype(), "{}: pos_weight is {} but logits are {}", op,
          o.pos_weight.dtype(), logits.dtype());
    check(broadcast_shapes(logits.shape(), o.pos_weight.shape(), op) == logits.shape(),
          "{}: pos_weight {} does not broadcast to logits {}", op, o.pos_weight.shape(),
          logits.shape());
    const Tensor lw = (o.pos_weight - 1.0) * target + 1.0;
    loss = (1.0 - target) * logits + lw * sp;
  } else {
    loss = (1.0 - target) * logits + sp;
  }
  if (o.weight.defined()) {
    check_floating(op, "weight", o.weight);
    check(broadcast_shapes(logits.shape(), o.weight.shape(), op) == logits.shape(),
          "{}: weight {} does not broadcast to logits {}", op, o.weight.shape(), logits.shape());
    loss = loss * o.weight;
  }
  return reduce(op, loss, o.reduction);
}

// ---- regression losses

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_pair("mse_loss", input, target);
  const Tensor d = input - target;
  return reduce("mse_loss", d * d, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_pair("l1_loss", input, target);
  return reduce("l1_loss", abs(input - target), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  const char* op = "smooth_l1_loss";
  check_pair(op, input, target);
  check(beta >= 0, "{}: beta must be >= 0, got {}", op, beta);
  if (beta == 0) return reduce(op, abs(input - target), reduction);
  const Tensor d = input - target;
  const Tensor a = abs(d);
  const Tensor loss = where(lt(a, beta), d * d * (0.5 / beta), a - 0.5 * beta);
  return reduce(op, loss, reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  const char* op = "huber_loss";
  check_pair(op, input, target);
  check(delta > 0, "{}: delta must be > 0, got {}", op, delta);
  const Tensor d = input - target;
  const Tensor a = abs(d);
  const Tensor loss = where(lt(a, delta), d * d * 0.5, (a - 0.5 * delta) * delta);
  return reduce(op, loss, reduction);
}

// ---- kl_div

// log_target: exp(t) (t - x); else xlogy(t, t) - t x, where xlogy(0, y) = 0. The log reads
// t only where t != 0 (1 elsewhere), so t = 0 gives a zero gradient rather than 0 * -inf.
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivOptions& o) {
  const char* op = "kl_div";
  check_pair(op, input, target);
  Tensor loss;
  if (o.log_target) {
    loss = exp(target) * (target - input);
  } else {
    const Tensor is_zero(core::eq(target.data(), 0.0));
    const Tensor safe = where(is_zero, constant(1, target.dtype()), target);
    loss = target * log(safe) - target * input;
  }
  if (o.reduction != Reduction::batchmean) return reduce(op, loss, o.reduction);
  const Tensor total = sum(loss);
  return input.dim() == 0 ? total : div(total, static_cast<double>(input.size(0)));
}

}  // namespace liandan::nn
