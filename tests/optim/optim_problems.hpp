// The two problems of tests/fixtures/gen_optim.py (a quadratic with a hand-written gradient and
// a small f64 MLP on mse_loss), the optimizer a fixture case describes, and a runner that
// records the parameter trajectory as the fixture does.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/activation.hpp"
#include "liandan/nn/containers.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/losses.hpp"
#include "liandan/optim/adam.hpp"
#include "liandan/optim/adamw.hpp"
#include "liandan/optim/sgd.hpp"
#include "support/fixtures.hpp"

namespace liandan::test {

// A problem: its named parameters and one gradient evaluation (grads set, not accumulated).
class Problem {
 public:
  virtual ~Problem() = default;
  virtual NamedParameters params() const = 0;
  virtual void compute_grads() = 0;
};

// loss = 0.5 * sum(a * (theta - c)^2), theta (2, 3); gradient a * (theta - c) set by hand.
class Quadratic : public Problem {
 public:
  explicit Quadratic(const Fixture& f)
      : a_(f.tensor("inputs/quad_a").to_vector<double>()),
        c_(f.tensor("inputs/quad_c").to_vector<double>()),
        theta_(f.tensor("inputs/quad_theta0"), true) {}
  NamedParameters params() const override { return {{"theta", theta_}}; }
  void compute_grads() override {
    const std::vector<double> t = theta_.to_vector<double>();
    std::vector<double> g(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) g[i] = a_[i] * (t[i] - c_[i]);
    theta_.set_grad(tensor(g, theta_.shape()));
  }

 private:
  std::vector<double> a_, c_;
  Tensor theta_;
};

// loss = 0.5 * sum over tensors of sum(a * (theta - c)^2) over w (4, 3), u (3, 5), b (5) of
// tests/fixtures/gen_optim_numpy.py's inputs/multi; gradients set by hand.
class MultiQuadratic : public Problem {
 public:
  static constexpr const char* kNames[] = {"w", "u", "b"};
  explicit MultiQuadratic(const Fixture& f) {
    for (const char* name : kNames) {
      const std::string prefix = std::string("inputs/multi/") + name + "/";
      a_.push_back(f.tensor(prefix + "a"));
      c_.push_back(f.tensor(prefix + "c"));
      params_.add(name, Tensor(f.tensor(prefix + "theta0"), true));
    }
  }
  NamedParameters params() const override { return params_; }
  void compute_grads() override {
    std::size_t i = 0;
    for (const auto& [name, theta] : params_) {
      theta.set_grad(Tensor(core::mul(a_[i], core::sub(theta.data(), c_[i]))));
      ++i;
    }
  }

 private:
  std::vector<core::Tensor> a_, c_;
  NamedParameters params_;
};

// Sequential(Linear(4, 8), Tanh(), Linear(8, 2)) in f64 from the fixture's weights, mse_loss on
// x (16, 4), y (16, 2).
class Mlp : public Problem {
 public:
  explicit Mlp(const Fixture& f) : x_(f.tensor("inputs/mlp_x")), y_(f.tensor("inputs/mlp_y")) {
    net_.emplace_back<nn::Linear>(4, 8, nn::LinearOptions{.dtype = DType::f64});
    net_.emplace_back<nn::Tanh>();
    net_.emplace_back<nn::Linear>(8, 2, nn::LinearOptions{.dtype = DType::f64});
    core::NamedTensors init;
    for (const auto& [key, value] : net_.state_dict())
      init.add(key, f.tensor("inputs/mlp_init/" + key));
    net_.load_state_dict(init);
  }
  NamedParameters params() const override { return net_.named_parameters(); }
  void compute_grads() override {
    net_.zero_grad();
    nn::mse_loss(net_(x_), y_).backward();
  }

 private:
  nn::Sequential net_;
  Tensor x_, y_;
};

inline std::unique_ptr<Problem> make_problem(const Fixture& f, const std::string& name) {
  if (name == "quad") return std::make_unique<Quadratic>(f);
  return std::make_unique<Mlp>(f);
}

// The optimizer of fixture case c over groups.
inline std::unique_ptr<optim::Optimizer> make_optimizer(const Fixture& f, const std::string& c,
                                                        std::vector<optim::ParamGroup> groups) {
  const std::string kind = f.text(c, "optimizer");
  if (kind == "sgd")
    return std::make_unique<optim::SGD>(std::move(groups),
                                        optim::SGDOptions{.lr = f.attr(c, "lr"),
                                                          .momentum = f.attr(c, "momentum"),
                                                          .dampening = f.attr(c, "dampening"),
                                                          .weight_decay = f.attr(c, "weight_decay"),
                                                          .nesterov = f.attr(c, "nesterov") != 0});
  const optim::AdamOptions o{.lr = f.attr(c, "lr"),
                             .beta1 = f.attr(c, "beta1"),
                             .beta2 = f.attr(c, "beta2"),
                             .eps = f.attr(c, "eps"),
                             .weight_decay = f.attr(c, "weight_decay"),
                             .amsgrad = f.attr(c, "amsgrad") != 0};
  if (kind == "adam") return std::make_unique<optim::Adam>(std::move(groups), o);
  return std::make_unique<optim::AdamW>(
      std::move(groups),
      optim::AdamWOptions{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, o.amsgrad});
}

// All parameters, flattened and concatenated in named_parameters() order.
inline std::vector<double> flat(const NamedParameters& params) {
  std::vector<double> out;
  for (const auto& [key, p] : params) {
    const std::vector<double> v = p.to_vector<double>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// steps x (gradient, step): the flattened parameters after each step, as a (steps, P) tensor.
inline core::Tensor run(Problem& problem, optim::Optimizer& opt, int steps) {
  std::vector<double> rows;
  std::int64_t width = 0;
  for (int s = 0; s < steps; ++s) {
    problem.compute_grads();
    opt.step();
    const std::vector<double> row = flat(problem.params());
    width = static_cast<std::int64_t>(row.size());
    rows.insert(rows.end(), row.begin(), row.end());
  }
  return core::Tensor::from(std::span<const double>(rows), Shape{steps, width});
}

// The tensors' trajectories of a 20-step run against case c's.
inline void check_multi_trajectory(const Fixture& f, const std::string& c, optim::Optimizer& opt,
                                   Problem& problem, double rtol) {
  const NamedParameters params = problem.params();
  std::map<std::string, std::vector<double>> seen;
  for (int s = 0; s < 20; ++s) {
    problem.compute_grads();
    opt.step();
    for (const auto& [name, p] : params) {
      const std::vector<double> v = p.to_vector<double>();
      seen[name].insert(seen[name].end(), v.begin(), v.end());
    }
  }
  for (const auto& [name, p] : params) {
    INFO("tensor " << name);
    const core::Tensor expected = f.tensor(c + "/" + name + "_trajectory");
    test::expect_close(core::Tensor::from(std::span<const double>(seen[name]), expected.shape()),
                       expected, rtol, 1e-12);
  }
}

// make(params) builds an optimizer over the multi-tensor quadratic. A run stopped after
// `first` steps and restored, by state_dict, into a fresh optimizer over a copy of its
// parameters ends after `second` more steps where an uninterrupted run ends, bit for bit.
template <typename Make>
void check_multi_resume(const Fixture& f, Make make, int first, int second) {
  MultiQuadratic straight(f);
  auto opt = make(straight.params());
  const core::Tensor expected = run(straight, opt, first + second);

  MultiQuadratic before(f);
  auto opt1 = make(before.params());
  run(before, opt1, first);
  MultiQuadratic after(f);
  for (const auto& [name, p] : after.params()) p.data().copy_(before.params()[name].data());
  auto opt2 = make(after.params());
  opt2.load_state_dict(opt1.state_dict());
  run(after, opt2, second);
  CHECK(flat(after.params()) == expected.select(0, first + second - 1).to_vector<double>());
}

}  // namespace liandan::test
