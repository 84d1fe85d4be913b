// nn losses: value and gradients vs PyTorch (tests/fixtures/gen_losses.py), second order by
// finite differences, and the error messages.
#include <doctest/doctest.h>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/losses.hpp"
#include "support/fixtures.hpp"
#include "support/gradients.hpp"

using namespace liandan;

namespace {

nn::Reduction reduction_of(const std::string& s) {
  if (s == "none") return nn::Reduction::none;
  if (s == "mean") return nn::Reduction::mean;
  if (s == "sum") return nn::Reduction::sum;
  if (s == "batchmean") return nn::Reduction::batchmean;
  throw Error("test: unknown reduction " + s);
}

// Runs fixture case c (op and options from its attributes) on input and target.
Tensor run_case(const test::Fixture& f, const std::string& c, const Tensor& input,
                const Tensor& target) {
  const std::string op = f.text(c, "op");
  const nn::Reduction reduction = reduction_of(f.text(c, "reduction"));
  auto optional = [&](const char* name) {
    return f.has(c, name) ? Tensor(f.tensor(c + "/" + name)) : Tensor();
  };
  if (op == "cross_entropy")
    return nn::cross_entropy(input, target,
                             {.ignore_index = static_cast<std::int64_t>(f.attr(c, "ignore_index")),
                              .label_smoothing = f.attr(c, "label_smoothing"),
                              .reduction = reduction,
                              .weight = optional("weight")});
  if (op == "nll_loss")
    return nn::nll_loss(input, target,
                        {.ignore_index = static_cast<std::int64_t>(f.attr(c, "ignore_index")),
                         .reduction = reduction,
                         .weight = optional("weight")});
  if (op == "binary_cross_entropy_with_logits")
    return nn::binary_cross_entropy_with_logits(input, target,
                                                {.pos_weight = optional("pos_weight"),
                                                 .reduction = reduction,
                                                 .weight = optional("weight")});
  if (op == "mse_loss") return nn::mse_loss(input, target, reduction);
  if (op == "l1_loss") return nn::l1_loss(input, target, reduction);
  if (op == "smooth_l1_loss")
    return nn::smooth_l1_loss(input, target, reduction, f.attr(c, "beta"));
  if (op == "huber_loss") return nn::huber_loss(input, target, reduction, f.attr(c, "delta"));
  if (op == "kl_div")
    return nn::kl_div(input, target,
                      {.reduction = reduction, .log_target = f.attr(c, "log_target") != 0});
  throw Error("test: unknown op " + op);
}

// Every case of `op` in losses.h5: the value, then the gradients of sum(out * grad_out) with
// respect to the input and (where the fixture has it) the target.
void check_fixture_cases(const std::string& op) {
  const test::Fixture f("losses");
  int count = 0;
  for (const std::string& c : f.cases()) {
    if (f.text(c, "op") != op) continue;
    ++count;
    INFO("case " << c);
    const bool target_grad = f.has(c, "grad_target");
    const Tensor input(f.tensor(c + "/input"), true);
    const Tensor target(f.tensor(c + "/target"), target_grad);
    const Tensor out = run_case(f, c, input, target);
    test::expect_close(out.data(), f.tensor(c + "/out"), 1e-10, 1e-12);
    out.backward(Tensor(f.tensor(c + "/grad_out")));
    test::expect_close(input.grad().data(), f.tensor(c + "/grad_input"), 1e-10, 1e-12);
    if (target_grad)
      test::expect_close(target.grad().data(), f.tensor(c + "/grad_target"), 1e-10, 1e-12);
  }
  CHECK(count > 0);
}

}  // namespace

TEST_CASE("nn::cross_entropy vs PyTorch: ignore_index, label smoothing, weights, k-dim, probs") {
  check_fixture_cases("cross_entropy");
}

TEST_CASE("nn::nll_loss vs PyTorch: ignore_index, weights, k-dim") {
  check_fixture_cases("nll_loss");
}

TEST_CASE("nn::binary_cross_entropy_with_logits vs PyTorch: pos_weight, weight, large logits") {
  check_fixture_cases("binary_cross_entropy_with_logits");
}

TEST_CASE("nn::mse_loss, l1_loss, smooth_l1_loss, huber_loss vs PyTorch") {
  for (const char* op : {"mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"}) {
    INFO(op);
    check_fixture_cases(op);
  }
}

TEST_CASE("nn::kl_div vs PyTorch: none, mean, sum, batchmean, log_target, zero targets") {
  check_fixture_cases("kl_div");
}

TEST_CASE("nn::cross_entropy: second derivatives by finite differences") {
  // (N, C, d1) logits, a custom ignore_index present in the target, smoothing and weights.
  const Tensor logits = test::rnd({2, 4, 3});
  const Tensor target = tensor<std::int64_t>({0, 3, 1, 1, 2, 3}, {2, 3});
  const Tensor weight = tensor<double>({0.5, 1.0, 1.5, 2.0}, {4});
  for (nn::Reduction r : {nn::Reduction::mean, nn::Reduction::none}) {
    test::check_grads(
        [&](const std::vector<Tensor>& in) -> std::vector<Tensor> {
          return {nn::cross_entropy(
              in[0], target,
              {.ignore_index = 1, .label_smoothing = 0.1, .reduction = r, .weight = weight})};
        },
        {logits});
  }
  const Tensor probs = softmax(test::rnd({3, 4}), 1).detach().requires_grad_();
  test::check_grads(
      [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
        return {nn::cross_entropy(in[0], in[1], {.label_smoothing = 0.2})};
      },
      {test::rnd({3, 4}), probs});
}

TEST_CASE("nn::binary_cross_entropy_with_logits: second derivatives by finite differences") {
  const Tensor pos_weight = tensor<double>({0.5, 2.0, 3.0}, {3});
  const Tensor target = rand({4, 3}, {.dtype = DType::f64, .requires_grad = true});
  test::check_grads(
      [&](const std::vector<Tensor>& in) -> std::vector<Tensor> {
        return {nn::binary_cross_entropy_with_logits(
            in[0], in[1], {.pos_weight = pos_weight, .reduction = nn::Reduction::sum})};
      },
      {test::rnd({4, 3}), target});
}

TEST_CASE("nn::kl_div and smooth_l1_loss: second derivatives by finite differences") {
  const Tensor target = softmax(test::rnd({2, 5}), 1).detach().requires_grad_();
  test::check_grads(
      [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
        return {nn::kl_div(in[0], in[1], {.reduction = nn::Reduction::batchmean})};
      },
      {log_softmax(test::rnd({2, 5}), 1).detach().requires_grad_(), target});
  test::check_grads(
      [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
        return {nn::smooth_l1_loss(in[0], in[1], nn::Reduction::mean, 0.7)};
      },
      {test::rnd({3, 4}), test::rnd({3, 4})});
}

TEST_CASE("nn::cross_entropy: a -inf logit of an ignored prediction gives no NaN") {
  // Class 0 is masked out (-inf) in every row; the ignored row's gather reads class 0.
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor logits = tensor<double>({-inf, 1, 2, -inf, 0.5, -1}, {2, 3}, true);
  const Tensor target = tensor<std::int64_t>({2, -100}, {2});
  const Tensor loss = nn::cross_entropy(logits, target, {.label_smoothing = 0.0});
  loss.backward();
  CHECK(std::isfinite(loss.item()));
  for (double g : logits.grad().to_vector<double>()) CHECK(std::isfinite(g));
}

TEST_CASE("nn::cross_entropy, nll_loss: errors name the op, the value and the shapes") {
  const Tensor logits = randn({4, 3});
  CHECK_THROWS_WITH_AS(
      nn::cross_entropy(logits, tensor<std::int64_t>({0, 1, 5, 2}, {4})),
      "cross_entropy: target value 5 (at flat index 2) is out of range for 3 classes (input "
      "[4,3], target [4], ignore_index -100)",
      Error);
  CHECK_THROWS_WITH_AS(
      nn::nll_loss(logits, tensor<std::int64_t>({0, -1, 1, 2}, {4})),
      "nll_loss: target value -1 (at flat index 1) is out of range for 3 classes (input [4,3], "
      "target [4], ignore_index -100)",
      Error);
  CHECK_THROWS_WITH_AS(nn::cross_entropy(logits, tensor<std::int64_t>({0, 1, 2}, {3})),
                       "cross_entropy: target [3] does not match input [4,3] (expected target "
                       "[4]: the input without its class dim 1)",
                       Error);
  CHECK_THROWS_WITH_AS(nn::cross_entropy(logits, zeros({4})),
                       "cross_entropy: a floating target holds class probabilities and must "
                       "match logits [4,3], got f32 [4] (class indices are i64)",
                       Error);
  CHECK_THROWS_WITH_AS(nn::nll_loss(logits, zeros({4})),
                       "nll_loss: target must hold i64 class indices, got f32 [4]", Error);
  CHECK_THROWS_WITH_AS(
      nn::cross_entropy(logits, tensor<std::int64_t>({0, 1, 2, 0}, {4}), {.label_smoothing = 1.5}),
      "cross_entropy: label_smoothing must be in [0, 1], got 1.5", Error);
  CHECK_THROWS_WITH_AS(
      nn::cross_entropy(logits, tensor<std::int64_t>({0, 1, 2, 0}, {4}), {.weight = ones({4})}),
      "cross_entropy: weight [4] must be (C) = [3] for input [4,3]", Error);
}

TEST_CASE("nn::mse_loss, binary_cross_entropy_with_logits, kl_div: errors name op and shapes") {
  CHECK_THROWS_WITH_AS(nn::mse_loss(randn({2, 3}), randn({3})),
                       "mse_loss: input [2,3] and target [3] differ in shape", Error);
  CHECK_THROWS_WITH_AS(nn::l1_loss(randn({2}), randn({2}, {.dtype = DType::f64})),
                       "l1_loss: input is f32 but target is f64", Error);
  CHECK_THROWS_WITH_AS(nn::mse_loss(randn({2}), randn({2}), nn::Reduction::batchmean),
                       "mse_loss: reduction batchmean is only for kl_div (use none, mean or sum)",
                       Error);
  CHECK_THROWS_WITH_AS(nn::smooth_l1_loss(randn({2}), randn({2}), nn::Reduction::mean, -1),
                       "smooth_l1_loss: beta must be >= 0, got -1", Error);
  CHECK_THROWS_WITH_AS(nn::binary_cross_entropy_with_logits(randn({4, 3}), rand({4, 3}),
                                                            {.pos_weight = ones({2, 1, 3})}),
                       "binary_cross_entropy_with_logits: pos_weight [2,1,3] does not broadcast "
                       "to logits [4,3]",
                       Error);
  CHECK_THROWS_WITH_AS(nn::kl_div(randn({2, 3}), randn({2, 4})),
                       "kl_div: input [2,3] and target [2,4] differ in shape", Error);
}
