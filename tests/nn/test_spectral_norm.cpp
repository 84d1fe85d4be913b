// nn::SpectralNorm against PyTorch's parametrizations.spectral_norm (fixtures by
// tests/fixtures/gen_spectral_norm.py): two training steps and an eval step of Linear, Conv2d
// and ConvTranspose2d in f64 (output, normalised weight, gradients of the input and of the
// original weight, u and v after each step); gradcheck through the layer; convergence of sigma
// to the largest singular value; two forwards before one backward; names, printing, errors.
#include <doctest/doctest.h>

#include <functional>
#include <memory>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/conv.hpp"
#include "liandan/nn/init.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/spectral_norm.hpp"
#include "support/fixtures.hpp"
#include "support/gradients.hpp"

using namespace liandan;

namespace {

constexpr DType f64 = DType::f64;
constexpr double kTol = 1e-10;

// One forward and backward of the layer on the step's x: compares the output, the weight the
// forward used, every gradient, and u, v after the step; clears the gradients.
void check_step(nn::Module& layer, const Tensor& weight, const test::Fixture& f,
                const std::string& step) {
  INFO("fixture step ", step);
  const Tensor x(f.tensor(step + "/x"), true);
  const Tensor y = layer(x);
  test::expect_close(y.data(), f.tensor(step + "/out"), kTol, kTol);
  test::expect_close(weight.data(), f.tensor(step + "/weight"), kTol, kTol);
  y.backward(Tensor(f.tensor(step + "/grad_out")));
  test::expect_close(x.grad().data(), f.tensor(step + "/grad_x"), kTol, kTol);
  for (const auto& [name, p] : layer.named_parameters()) {
    INFO("gradient of ", name);
    REQUIRE(p.grad().defined());
    test::expect_close(p.grad().data(), f.tensor(step + "/grad/" + name), kTol, kTol);
  }
  for (const auto& [name, b] : layer.named_buffers()) {
    INFO("buffer ", name);
    test::expect_close(b, f.tensor(step + "/after/" + name), kTol, kTol);
  }
  layer.zero_grad();
}

// The weight member of the layers under test (recomputed by each forward).
Tensor& weight_of(nn::Module& m) {
  if (auto* linear = dynamic_cast<nn::Linear*>(&m)) return linear->weight;
  if (auto* conv = dynamic_cast<nn::Conv2d*>(&m)) return conv->weight;
  return dynamic_cast<nn::ConvTranspose2d&>(m).weight;
}

// A module with a 1-D weight: y = x * weight.
struct Scale : nn::Module {
  Tensor weight;
  explicit Scale(std::int64_t n) : weight(randn({n}, {.dtype = DType::f64})) {
    register_parameter("weight", weight);
  }
  Tensor forward(const Tensor& x) override { return x * weight; }
};

// A discriminator-like model: each layer followed by its SpectralNorm.
struct Critic : nn::Module {
  nn::Linear fc1{6, 8, {.dtype = DType::f64}};
  nn::SpectralNorm fc1_sn{fc1};
  nn::Linear fc2{8, 1, {.dtype = DType::f64}};
  nn::SpectralNorm fc2_sn{fc2};
  Critic() { register_modules({{"fc1", fc1}, {"fc2", fc2}}); }
  Tensor forward(const Tensor& x) override { return fc2(leaky_relu(fc1(x), 0.2)); }
};

}  // namespace

// ---- against PyTorch

TEST_CASE("SpectralNorm on Linear Conv2d ConvTranspose2d vs PyTorch: two training steps, eval") {
  test::Fixture f("spectral_norm");
  const std::vector<std::pair<std::string, std::function<std::unique_ptr<nn::Module>()>>> cases = {
      {"linear",
       [] { return std::make_unique<nn::Linear>(5, 4, nn::LinearOptions{.dtype = f64}); }},
      {"conv2d",
       [] {
         return std::make_unique<nn::Conv2d>(3, 4, 3,
                                             nn::Conv2dOptions{.padding = 1, .dtype = f64});
       }},
      {"conv_transpose2d",
       [] {
         return std::make_unique<nn::ConvTranspose2d>(
             3, 4, 3, nn::ConvTranspose2dOptions{.stride = 2, .dtype = f64});
       }},
  };
  for (const auto& [c, make] : cases) {
    INFO("case ", c);
    const auto layer = make();
    Tensor& weight = weight_of(*layer);
    nn::SpectralNorm sn(*layer);
    CHECK(static_cast<double>(sn.dim()) == f.attr(c, "dim"));
    CHECK(static_cast<double>(layer->named_parameters().size()) == f.attr(c, "num_params"));
    core::NamedTensors state;
    for (const auto& [name, t] : layer->state_dict())  // PyTorch's keys
      state.add(name, f.tensor(c + "/state/" + name));
    layer->load_state_dict(state);
    layer->train();
    check_step(*layer, weight, f, c + "/train1");
    check_step(*layer, weight, f, c + "/train2");
    layer->eval();
    check_step(*layer, weight, f, c + "/eval");
  }
}

// ---- gradients

TEST_CASE("SpectralNorm: gradcheck and gradgradcheck through Linear and Conv2d in eval") {
  nn::Linear fc(4, 3, {.dtype = f64});
  nn::SpectralNorm fc_sn(fc);
  fc.eval();  // u, v fixed: the layer is a function of x, original and bias
  test::check_grads([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{fc(in[0])}; },
                    {test::rnd({2, 4}), fc_sn.original(), fc.bias});
  nn::Conv2d conv(2, 3, 2, {.dtype = f64});
  nn::SpectralNorm conv_sn(conv);
  conv.eval();
  test::check_grads([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{conv(in[0])}; },
                    {test::rnd({1, 2, 3, 3}), conv_sn.original()});
}

TEST_CASE("SpectralNorm: two forwards before one backward accumulate as two backwards") {
  // The GAN pattern D(real) - D(fake): u and v change in place between the forwards.
  nn::Linear fc(5, 3, {.dtype = f64});
  nn::SpectralNorm sn(fc);
  const core::Tensor u0 = sn.u.data().clone(), v0 = sn.v.data().clone();
  const Tensor real = randn({4, 5}, {.dtype = f64}), fake = randn({4, 5}, {.dtype = f64});
  const Tensor d_real = sum(fc(real));  // (operands of - are evaluated in any order)
  const Tensor d_fake = sum(fc(fake));
  (d_real - d_fake).backward();
  const core::Tensor together = sn.original().grad().data().clone();
  const std::vector<double> u2 = sn.u.to_vector<double>();
  fc.zero_grad();
  sn.u.data().copy_(u0);
  sn.v.data().copy_(v0);
  sum(fc(real)).backward();
  (-sum(fc(fake))).backward();
  test::expect_close(sn.original().grad().data(), together, 1e-14, 1e-14);
  CHECK(sn.u.to_vector<double>() == u2);
}

// ---- the power method

TEST_CASE("SpectralNorm: sigma converges to the largest singular value, eval keeps u and v") {
  // W = U diag(3, 2, 1, 0.5) V^T with orthonormal U (4, 4) and V^T (4, 6).
  nn::Linear fc(6, 4, {.bias = false, .dtype = f64});
  const Tensor u = zeros({4, 4}, {.dtype = f64}), vt = zeros({4, 6}, {.dtype = f64});
  nn::init::orthogonal_(u);
  nn::init::orthogonal_(vt);
  const Tensor s = tensor<double>({3, 2, 1, 0.5}, {1, 4});
  const Tensor w = matmul(u * s, vt);
  fc.weight.data().copy_(w.data());
  nn::SpectralNorm sn(fc, {.n_power_iterations = 40});
  const Tensor x = randn({2, 6}, {.dtype = f64});
  fc(x);
  test::expect_close(fc.weight.data(), (w / 3.0).data(), 1e-12, 1e-12);
  // The left singular vector of 3 is U's first column (up to sign).
  const auto u1 = u.data().select(1, 0).to_vector<double>(), est = sn.u.to_vector<double>();
  double dot = 0;
  for (std::size_t i = 0; i < 4; ++i) dot += u1[i] * est[i];
  CHECK(std::abs(dot) == doctest::Approx(1).epsilon(1e-12));
  fc.eval();
  CHECK_FALSE(sn.is_training());  // the layer's mode reaches its parametrisation
  const std::uint64_t version = sn.u.data().version();
  const std::vector<double> before = sn.v.to_vector<double>();
  fc(x);
  CHECK(sn.u.data().version() == version);
  CHECK(sn.v.to_vector<double>() == before);
}

TEST_CASE("SpectralNorm: a 1-D weight is divided by its norm, without u and v") {
  Scale scale(5);
  nn::SpectralNorm sn(scale);
  CHECK(scale.named_buffers().names().empty());
  const Tensor y = scale(ones({5}, {.dtype = f64}));
  const double n = core::norm(sn.original().data()).item();
  test::expect_close(y.data(), core::div(sn.original().data(), n), 1e-15, 1e-15);
}

// ---- registration, names, printing, errors

TEST_CASE("SpectralNorm: PyTorch's state_dict keys, the original leaf, printing, model paths") {
  nn::Linear fc(3, 2);
  const Tensor leaf = fc.weight;
  nn::SpectralNorm sn(fc);
  CHECK(fc.named_parameters().names() ==
        std::vector<std::string>{"bias", "parametrizations.weight.original"});
  CHECK(fc.state_dict().names() ==
        std::vector<std::string>{"bias", "parametrizations.weight.original",
                                 "parametrizations.weight.0._u", "parametrizations.weight.0._v"});
  CHECK(sn.original().impl() == leaf.impl());  // an optimizer built before keeps working
  CHECK(sn.u.shape() == Shape{2});
  CHECK(sn.v.shape() == Shape{3});
  CHECK(fc.weight.impl() != leaf.impl());
  CHECK(fc.weight.shape() == Shape{2, 3});
  const Tensor y = fc(randn({4, 3}));
  CHECK_FALSE(fc.weight.is_leaf());
  CHECK(fc.weight.requires_grad());
  CHECK(y.requires_grad());
  CHECK(fc.str() ==
        "Linear(\n"
        "  in_features=3, out_features=2, bias=true\n"
        "  (parametrizations): ModuleDict(\n"
        "    (weight): ParametrizationList(\n"
        "      (0): _SpectralNorm()\n"
        "    )\n"
        "  )\n"
        ")");

  Critic critic;
  CHECK(critic.named_parameters().names() ==
        std::vector<std::string>{"fc1.bias", "fc1.parametrizations.weight.original", "fc2.bias",
                                 "fc2.parametrizations.weight.original"});
  CHECK(critic.named_buffers().names() ==
        std::vector<std::string>{
            "fc1.parametrizations.weight.0._u", "fc1.parametrizations.weight.0._v",
            "fc2.parametrizations.weight.0._u", "fc2.parametrizations.weight.0._v"});
  const Tensor score = critic(randn({3, 6}, {.dtype = f64}));
  sum(score).backward();
  CHECK(critic.fc1_sn.original().grad().defined());
  critic.eval();
  CHECK_FALSE(critic.fc2_sn.is_training());
}

TEST_CASE("SpectralNorm: errors name the layer and the argument, and leave the layer as it was") {
  nn::Linear fc(3, 2);
  CHECK_THROWS_WITH_AS(nn::SpectralNorm(fc, {.name = "weights"}),
                       "SpectralNorm: Linear has no parameter 'weights'", Error);
  CHECK_THROWS_WITH_AS(nn::SpectralNorm(fc, {.n_power_iterations = 0}),
                       "SpectralNorm: n_power_iterations must be positive, got 0", Error);
  CHECK_THROWS_WITH_AS(nn::SpectralNorm(fc, {.dim = 2}),
                       "SpectralNorm: dim 2 out of range for 'weight' of shape [2,3]", Error);
  CHECK(fc.named_parameters().names() == std::vector<std::string>{"weight", "bias"});
  CHECK(fc.named_children().empty());
  nn::SpectralNorm sn(fc, {.dim = -1});
  CHECK(sn.dim() == 1);
  CHECK(sn.u.shape() == Shape{3});
  CHECK_THROWS_WITH_AS(nn::SpectralNorm{fc},
                       "SpectralNorm: Linear already has parametrizations (one SpectralNorm per "
                       "layer)",
                       Error);
  CHECK_THROWS_WITH_AS(fc.unregister_parameter("weight"),
                       "unregister_parameter: Linear has no parameter 'weight'", Error);
}
