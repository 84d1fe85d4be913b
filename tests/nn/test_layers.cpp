// nn layers against PyTorch (fixtures by tests/fixtures/gen_layers.py): forward, backward and
// every parameter's gradient in f64 with the fixture's weights; BatchNorm's running statistics
// over two training steps, then eval; Dropout's statistics and seeding; gradcheck of BatchNorm
// and RMSNorm in training; initialisation, printing and errors.
#include <doctest/doctest.h>

#include <functional>
#include <memory>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/activation.hpp"
#include "liandan/nn/batchnorm.hpp"
#include "liandan/nn/containers.hpp"
#include "liandan/nn/conv.hpp"
#include "liandan/nn/dropout.hpp"
#include "liandan/nn/embedding.hpp"
#include "liandan/nn/functional.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/mlp.hpp"
#include "liandan/nn/normalization.hpp"
#include "liandan/nn/pooling.hpp"
#include "liandan/nn/shape.hpp"
#include "support/fixtures.hpp"
#include "support/gradients.hpp"

using namespace liandan;

namespace {

constexpr DType f64 = DType::f64;
constexpr double kTol = 1e-10;

// Loads the case's state_dict (strict: every key of m must be in the fixture) and checks that
// PyTorch's layer has as many parameters.
void load_case(nn::Module& m, const test::Fixture& f, const std::string& c) {
  CHECK(static_cast<double>(m.named_parameters().size()) == f.attr(c, "num_params"));
  core::NamedTensors state;
  for (const auto& [name, t] : m.state_dict()) state.add(name, f.tensor(c + "/state/" + name));
  m.load_state_dict(state);
}

// One forward and backward of m on the step's x with its upstream gradient: compares out,
// grad_x, every parameter's gradient and the buffers after the step; clears the gradients.
void check_step(nn::Module& m, const test::Fixture& f, const std::string& step) {
  INFO("fixture step ", step);
  const core::Tensor x_data = f.tensor(step + "/x");
  const bool floating = is_floating(x_data.dtype());
  const Tensor x(x_data, floating);
  const Tensor y = m(x);
  test::expect_close(y.data(), f.tensor(step + "/out"), kTol, kTol);
  y.backward(Tensor(f.tensor(step + "/grad_out")));
  if (floating) test::expect_close(x.grad().data(), f.tensor(step + "/grad_x"), kTol, kTol);
  for (const auto& [name, p] : m.named_parameters()) {
    INFO("gradient of ", name);
    REQUIRE(f.has(step + "/grad", name));
    REQUIRE(p.grad().defined());
    test::expect_close(p.grad().data(), f.tensor(step + "/grad/" + name), kTol, kTol);
  }
  for (const auto& [name, b] : m.named_buffers()) {
    INFO("buffer ", name);
    test::expect_close(b, f.tensor(step + "/after/" + name), kTol, kTol);
  }
  m.zero_grad();
}

void check_case(nn::Module& m, const test::Fixture& f, const std::string& c) {
  load_case(m, f, c);
  check_step(m, f, c);
}

// Random values in the leaf t, in place (parameters away from their ones/zeros defaults).
void randomize(const Tensor& t) { t.data().copy_(core::normal(t.shape(), 1, 0.5, t.dtype())); }

}  // namespace

// ---- against PyTorch

TEST_CASE("Embedding: forward and backward vs PyTorch, repeated indices accumulate") {
  test::Fixture f("layers");
  nn::Embedding emb(10, 4, {.dtype = f64});
  check_case(emb, f, "embedding");
}

TEST_CASE("LayerNorm: 1-D and 2-D normalized_shape, with and without affine, vs PyTorch") {
  test::Fixture f("layers");
  nn::LayerNorm ln(6, {.dtype = f64});
  check_case(ln, f, "layer_norm");
  nn::LayerNorm ln2({3, 4}, {.eps = 1e-3, .dtype = f64});
  check_case(ln2, f, "layer_norm_2d");
  nn::LayerNorm plain(5, {.elementwise_affine = false, .dtype = f64});
  CHECK(plain.named_parameters().empty());
  check_case(plain, f, "layer_norm_no_affine");
  nn::LayerNorm no_bias(5, {.bias = false});
  CHECK(no_bias.named_parameters().names() == std::vector<std::string>{"weight"});
}

TEST_CASE("RMSNorm: given eps, machine-epsilon default, 2-D without affine, vs PyTorch") {
  test::Fixture f("layers");
  nn::RMSNorm rms(6, {.eps = 1e-6, .dtype = f64});
  check_case(rms, f, "rms_norm");
  nn::RMSNorm tiny(6, {.dtype = f64});  // eps = DBL_EPSILON, visible on inputs ~1e-3
  check_case(tiny, f, "rms_norm_default_eps");
  nn::RMSNorm plain({3, 4}, {.eps = 1e-5, .elementwise_affine = false, .dtype = f64});
  check_case(plain, f, "rms_norm_2d_no_affine");
}

TEST_CASE(
    "BatchNorm1d and BatchNorm2d: two training steps move the running statistics, then eval") {
  test::Fixture f("layers");
  const std::vector<std::pair<std::string, std::function<std::unique_ptr<nn::BatchNorm>()>>> cases =
      {
          {"batch_norm1d",
           [] { return std::make_unique<nn::BatchNorm1d>(5, nn::BatchNormOptions{.dtype = f64}); }},
          {"batch_norm1d_3d",
           [] {
             return std::make_unique<nn::BatchNorm1d>(
                 4, nn::BatchNormOptions{.momentum = 0.3, .dtype = f64});
           }},
          {"batch_norm1d_no_affine",
           [] {
             return std::make_unique<nn::BatchNorm1d>(
                 4, nn::BatchNormOptions{.affine = false, .dtype = f64});
           }},
          {"batch_norm2d",
           [] { return std::make_unique<nn::BatchNorm2d>(3, nn::BatchNormOptions{.dtype = f64}); }},
          {"batch_norm2d_cumulative",
           [] {
             return std::make_unique<nn::BatchNorm2d>(
                 3, nn::BatchNormOptions{.momentum = std::nullopt, .dtype = f64});
           }},
          {"batch_norm2d_no_tracking",
           [] {
             return std::make_unique<nn::BatchNorm2d>(
                 3, nn::BatchNormOptions{.track_running_stats = false, .dtype = f64});
           }},
      };
  for (const auto& [c, make] : cases) {
    INFO("case ", c);
    const auto bn = make();
    load_case(*bn, f, c);
    bn->train();
    check_step(*bn, f, c + "/train1");
    check_step(*bn, f, c + "/train2");
    bn->eval();
    check_step(*bn, f, c + "/eval");
  }
}

TEST_CASE("Conv2d and ConvTranspose2d: stride, padding, dilation, groups, no bias, unbatched") {
  test::Fixture f("layers");
  nn::Conv2d conv(4, 6, 3, {.stride = 2, .padding = 1, .groups = 2, .dtype = f64});
  check_case(conv, f, "conv2d");
  nn::Conv2d dilated(
      3, 4, {3, 2},
      {.stride = {1, 2}, .padding = {2, 1}, .dilation = 2, .bias = false, .dtype = f64});
  check_case(dilated, f, "conv2d_dilated_no_bias");
  nn::Conv2d unbatched(2, 3, 3, {.dtype = f64});
  check_case(unbatched, f, "conv2d_unbatched");
  nn::ConvTranspose2d up(
      4, 6, 3, {.stride = 2, .padding = 1, .output_padding = 1, .groups = 2, .dtype = f64});
  check_case(up, f, "conv_transpose2d");
  nn::ConvTranspose2d up2(
      3, 2, {2, 3},
      {.stride = {2, 1}, .padding = {0, 1}, .dilation = {1, 2}, .bias = false, .dtype = f64});
  check_case(up2, f, "conv_transpose2d_dilated_no_bias");
}

TEST_CASE("MaxPool2d and AvgPool2d: padding, default stride, exclude padding, unbatched") {
  test::Fixture f("layers");
  nn::MaxPool2d max(3, {.stride = 2, .padding = 1});
  check_case(max, f, "max_pool2d");
  nn::MaxPool2d max2(2);
  check_case(max2, f, "max_pool2d_default_stride");
  nn::AvgPool2d avg(3, {.stride = 2, .padding = 1});
  check_case(avg, f, "avg_pool2d");
  nn::AvgPool2d avg2({2, 3}, {.stride = {1, 2}, .padding = 1, .count_include_pad = false});
  check_case(avg2, f, "avg_pool2d_exclude_pad");
}

TEST_CASE("Flatten and Unflatten: default dims, a range, split of one dim") {
  test::Fixture f("layers");
  nn::Flatten flat;
  check_case(flat, f, "flatten");
  nn::Flatten all(0, 2);
  check_case(all, f, "flatten_range");
  nn::Unflatten unflat(1, {3, 4});
  check_case(unflat, f, "unflatten");
  nn::Unflatten inferred(-1, {2, -1});
  CHECK(inferred(zeros({3, 8})).shape() == Shape{3, 2, 4});
  CHECK_THROWS_WITH_AS(unflat(zeros({2, 10})),
                       "Unflatten: unflattened_size [3,4] does not fit dim 1 of size 10 "
                       "(input [2,10])",
                       nn::ModuleError);  // a root module's path is its type name
}

TEST_CASE("ReLU GELU SiLU ELU LeakyReLU Tanh Sigmoid Softplus modules vs PyTorch") {
  test::Fixture f("layers");
  const std::vector<std::pair<std::string, std::function<std::unique_ptr<nn::Module>()>>> cases = {
      {"relu", [] { return std::make_unique<nn::ReLU>(); }},
      {"gelu", [] { return std::make_unique<nn::GELU>(); }},
      {"gelu_tanh", [] { return std::make_unique<nn::GELU>(GeluApprox::tanh); }},
      {"silu", [] { return std::make_unique<nn::SiLU>(); }},
      {"elu", [] { return std::make_unique<nn::ELU>(0.5); }},
      {"leaky_relu", [] { return std::make_unique<nn::LeakyReLU>(0.2); }},
      {"tanh", [] { return std::make_unique<nn::Tanh>(); }},
      {"sigmoid", [] { return std::make_unique<nn::Sigmoid>(); }},
      {"softplus", [] { return std::make_unique<nn::Softplus>(2, 5); }},
  };
  for (const auto& [c, make] : cases) {
    INFO("case ", c);
    const auto m = make();
    check_case(*m, f, c);
  }
}

TEST_CASE("MLP: gelu, SwiGLU without bias, relu with out_features, vs PyTorch") {
  test::Fixture f("layers");
  nn::MLP mlp(8, 16, {.dtype = f64});
  check_case(mlp, f, "mlp");
  nn::MLP swiglu(8, 12,
                 {.activation = nn::Activation::silu, .glu = true, .bias = false, .dtype = f64});
  CHECK(swiglu.named_parameters().names() ==
        std::vector<std::string>{"fc1.weight", "gate.weight", "fc2.weight"});
  check_case(swiglu, f, "mlp_swiglu");
  nn::MLP relu(6, 10, {.activation = nn::Activation::relu, .out_features = 5, .dtype = f64});
  check_case(relu, f, "mlp_relu_out");
}

// ---- second order

TEST_CASE("BatchNorm1d and BatchNorm2d in training: gradcheck and gradgradcheck in f64") {
  nn::BatchNorm1d bn1(3, {.dtype = f64});
  nn::BatchNorm2d bn2(2, {.dtype = f64});
  for (nn::BatchNorm* bn : {static_cast<nn::BatchNorm*>(&bn1), static_cast<nn::BatchNorm*>(&bn2)}) {
    INFO(bn->str());
    randomize(bn->weight);
    randomize(bn->bias);
    const Tensor x = bn == &bn1 ? test::rnd({5, 3}) : test::rnd({3, 2, 2, 2});
    test::check_grads(
        [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{(*bn)(in[0])}; },
        {x, bn->weight, bn->bias});
  }
}

TEST_CASE("RMSNorm: gradcheck and gradgradcheck in f64") {
  nn::RMSNorm rms(4, {.eps = 1e-6, .dtype = f64});
  randomize(rms.weight);
  test::check_grads([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{rms(in[0])}; },
                    {test::rnd({3, 4}), rms.weight});
}

// ---- BatchNorm behaviour

TEST_CASE("BatchNorm2d: buffers as PyTorch, eval uses running statistics, errors") {
  nn::BatchNorm2d bn(2);
  CHECK(bn.state_dict().names() == std::vector<std::string>{"weight", "bias", "running_mean",
                                                            "running_var", "num_batches_tracked"});
  CHECK(bn.num_batches_tracked.dtype() == DType::i64);
  CHECK(bn.named_buffers().names().size() == 3);
  const Tensor x = randn({4, 2, 3, 3}) * 3.0 + 2.0;
  {
    NoGradGuard no_grad;
    bn(x);
  }
  CHECK(bn.num_batches_tracked.item() == 1);
  const auto mean = bn.running_mean.to_vector<float>();
  CHECK(mean[0] == doctest::Approx(0.1 * core::mean(x.data().select(1, 0)).item()).epsilon(1e-5));
  bn.eval();
  const Tensor y = bn(x);  // eval: no update, normalised by the running statistics
  CHECK(bn.num_batches_tracked.item() == 1);
  CHECK(bn.running_mean.to_vector<float>() == mean);
  bn.reset_running_stats();
  CHECK(bn.running_var.to_vector<float>() == std::vector<float>{1, 1});
  CHECK(bn.num_batches_tracked.item() == 0);

  bn.train();
  CHECK_THROWS_WITH_AS(bn(randn({1, 2, 1, 1})),
                       "BatchNorm2d: batch_norm: expected more than 1 value per channel when "
                       "training, got input [1,2,1,1]",
                       nn::ModuleError);
  CHECK_THROWS_WITH_AS(bn(randn({4, 3, 2, 2})),
                       "BatchNorm2d: expected 2 channels in dim 1, got input [4,3,2,2]",
                       nn::ModuleError);
  nn::BatchNorm1d bn1(2);
  CHECK_THROWS_WITH_AS(
      bn1(randn({4, 2, 2, 2})),
      "BatchNorm1d: expected 2-D (N, C) or 3-D (N, C, L) input, got shape [4,2,2,2]",
      nn::ModuleError);
  CHECK_THROWS_WITH_AS(nn::functional::batch_norm(randn({4, 2}), {}, {}),
                       "batch_norm: evaluation needs running_mean and running_var (input [4,2])",
                       Error);
}

// ---- Dropout

TEST_CASE("Dropout: a fraction p zeroed, survivors scaled by 1/(1-p), mean preserved, gradient") {
  core::manual_seed(3);
  const double p = 0.3;
  nn::Dropout drop(p);
  const std::int64_t n = 200000;
  const Tensor x = ones({n}, {.dtype = f64, .requires_grad = true});
  const Tensor y = drop(x);
  const auto v = y.to_vector<double>();
  std::int64_t zeroed = 0, scaled = 0;
  for (double e : v) {
    zeroed += e == 0;
    scaled += e == 1 / (1 - p);
  }
  CHECK(zeroed + scaled == n);
  // 5 standard deviations of the binomial fraction, sqrt(p (1 - p) / n) ~ 0.001
  CHECK(static_cast<double>(zeroed) / n == doctest::Approx(p).epsilon(0.005 / p));
  CHECK(core::mean(y.data()).item() == doctest::Approx(1).epsilon(0.01));
  sum(y).backward();
  CHECK(x.grad().to_vector<double>() == v);  // d y / d x is the scaled mask
}

TEST_CASE("Dropout: reproducible under a seed or a Generator, eval and p = 0 are the identity") {
  nn::Dropout drop(0.5);
  const Tensor x = randn({64});
  core::manual_seed(11);
  const auto a = drop(x).to_vector<float>();
  const auto b = drop(x).to_vector<float>();
  core::manual_seed(11);
  CHECK(drop(x).to_vector<float>() == a);
  CHECK(a != b);

  core::Generator g1(5), g2(5);
  nn::Dropout d1(0.5, &g1), d2(0.5, &g2);
  const std::uint64_t default_offset = core::default_generator().offset();
  CHECK(d1(x).to_vector<float>() == d2(x).to_vector<float>());
  CHECK(core::default_generator().offset() == default_offset);  // the given generator is used

  drop.eval();
  CHECK(drop(x).to_vector<float>() == x.to_vector<float>());
  nn::Dropout none(0);
  CHECK(none(x).to_vector<float>() == x.to_vector<float>());
  nn::Dropout all(1);
  CHECK(core::amax(core::abs(all(x).data())).item() == 0);
  CHECK_THROWS_WITH_AS(nn::Dropout(1.5), "Dropout: probability must be in [0, 1], got 1.5", Error);
  nn::MLP mlp(4, 8, {.dropout = 0.5});
  mlp.eval();
  const Tensor h = randn({2, 4});
  CHECK(mlp(h).to_vector<float>() == mlp(h).to_vector<float>());
}

// ---- initialisation, functional forms, printing, errors

TEST_CASE("Conv2d ConvTranspose2d Embedding: default initialisation as PyTorch's") {
  nn::Conv2d conv(8, 16, 3, {.groups = 2});
  const double bound = 1 / std::sqrt(4.0 * 9);  // fan_in = in / groups * kH * kW
  CHECK(conv.weight.shape() == Shape{16, 4, 3, 3});
  CHECK(core::amax(core::abs(conv.weight.data())).item() <= bound);
  CHECK(core::amax(core::abs(conv.weight.data())).item() > 0.9 * bound);
  CHECK(core::amax(core::abs(conv.bias.data())).item() <= bound);
  nn::ConvTranspose2d up(8, 6, 2, {.groups = 2});
  const double up_bound = 1 / std::sqrt(3.0 * 4);  // fan_in = out / groups * kH * kW
  CHECK(up.weight.shape() == Shape{8, 3, 2, 2});
  CHECK(core::amax(core::abs(up.weight.data())).item() <= up_bound);
  CHECK(core::amax(core::abs(up.bias.data())).item() <= up_bound);
  nn::Embedding emb(1000, 64);
  CHECK(core::mean(emb.weight.data()).item() == doctest::Approx(0).epsilon(0.02));
  CHECK(core::std(emb.weight.data()).item() == doctest::Approx(1).epsilon(0.02));
}

TEST_CASE("nn::functional: linear matches Linear, rms_norm and dropout check their arguments") {
  nn::Linear lin(3, 2);
  const Tensor x = randn({4, 3});
  CHECK(nn::functional::linear(x, lin.weight, lin.bias).to_vector<float>() ==
        lin(x).to_vector<float>());
  CHECK_THROWS_WITH_AS(
      nn::functional::linear(x, zeros({2, 4})),
      "linear: input [4,3] does not end with the in_features of weight [2,4] (out, in)", Error);
  CHECK_THROWS_WITH_AS(nn::functional::rms_norm(x, {4}),
                       "rms_norm: input [4,3] does not end with normalized_shape [4]", Error);
  CHECK_THROWS_WITH_AS(nn::functional::dropout(x, -0.1),
                       "dropout: probability must be in [0, 1], got -0.1", Error);
  const Tensor y = nn::functional::rms_norm(x * 10.0, {3});
  CHECK(core::mean(core::mul(y.data(), y.data())).item() == doctest::Approx(1).epsilon(1e-5));
}

TEST_CASE("Module::str of the layers prints as PyTorch's print(model)") {
  nn::Sequential seq;
  seq.emplace_back<nn::Conv2d>(3, 16, 3, nn::Conv2dOptions{.padding = 1});
  seq.emplace_back<nn::BatchNorm2d>(16);
  seq.emplace_back<nn::ReLU>();
  seq.emplace_back<nn::MaxPool2d>(2);
  seq.emplace_back<nn::Conv2d>(
      16, 8, std::int64_t{1},
      nn::Conv2dOptions{.stride = {2, 1}, .dilation = 2, .groups = 8, .bias = false});
  seq.emplace_back<nn::AvgPool2d>(nn::Size2{2, 3});
  seq.emplace_back<nn::Flatten>();
  seq.emplace_back<nn::Dropout>(0.25);
  seq.emplace_back<nn::GELU>(GeluApprox::tanh);
  seq.emplace_back<nn::Unflatten>(1, Shape{2, 4});
  CHECK(seq.str() ==
        "Sequential(\n"
        "  (0): Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
        "  (1): BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)\n"
        "  (2): ReLU()\n"
        "  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)\n"
        "  (4): Conv2d(16, 8, kernel_size=(1, 1), stride=(2, 1), dilation=(2, 2), groups=8, "
        "bias=false)\n"
        "  (5): AvgPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0)\n"
        "  (6): Flatten(start_dim=1, end_dim=-1)\n"
        "  (7): Dropout(p=0.25)\n"
        "  (8): GELU(approximate='tanh')\n"
        "  (9): Unflatten(dim=1, unflattened_size=(2, 4))\n"
        ")");
  CHECK(nn::ConvTranspose2d(4, 2, 3, {.stride = 2, .output_padding = 1}).str() ==
        "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))");
  CHECK(nn::LayerNorm(8).str() == "LayerNorm((8,), eps=1e-05, elementwise_affine=true)");
  CHECK(nn::RMSNorm({2, 4}).str() == "RMSNorm((2, 4), eps=None, elementwise_affine=true)");
  CHECK(nn::BatchNorm1d(4, {.momentum = std::nullopt, .affine = false}).str() ==
        "BatchNorm1d(4, eps=1e-05, momentum=None, affine=false, track_running_stats=true)");
  CHECK(nn::Embedding(10, 3).str() == "Embedding(10, 3)");
  CHECK(nn::ELU().str() == "ELU(alpha=1.0)");
  CHECK(nn::LeakyReLU().str() == "LeakyReLU(negative_slope=0.01)");
  CHECK(nn::Softplus().str() == "Softplus(beta=1.0, threshold=20.0)");
  CHECK(nn::SiLU().str() == "SiLU()");
  CHECK(nn::MLP(4, 8, {.activation = nn::Activation::silu, .glu = true}).str() ==
        "MLP(\n"
        "  activation=silu, glu=true\n"
        "  (fc1): Linear(in_features=4, out_features=8, bias=true)\n"
        "  (gate): Linear(in_features=4, out_features=8, bias=true)\n"
        "  (fc2): Linear(in_features=8, out_features=4, bias=true)\n"
        "  (dropout): Dropout(p=0.0)\n"
        ")");
}

TEST_CASE("Conv2d and pooling errors name the layer, the path and the shapes") {
  CHECK_THROWS_WITH_AS(nn::Conv2d(6, 4, 3, {.groups = 4}),
                       "Conv2d: groups 4 must divide in_channels 6 and out_channels 4", Error);
  CHECK_THROWS_WITH_AS(nn::ConvTranspose2d(2, 2, 3, {.stride = 2, .output_padding = 2}),
                       "ConvTranspose2d: output_padding (2, 2) must be smaller than stride (2, 2) "
                       "or dilation (1, 1)",
                       Error);
  CHECK_THROWS_WITH_AS(nn::MaxPool2d(2, {.padding = 2}),
                       "MaxPool2d: padding (2, 2) must be at most half of kernel_size (2, 2)",
                       Error);
  nn::Sequential seq;
  seq.emplace_back<nn::Conv2d>(3, 4, 3);
  CHECK_THROWS_WITH_AS(seq(zeros({1, 2, 5, 5})),
                       "0: Conv2d: expected 3 input channels, got input [1,2,5,5]",
                       nn::ModuleError);
  CHECK_THROWS_WITH_AS(seq(zeros({5, 5})),
                       "0: Conv2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                       "[5,5]",
                       nn::ModuleError);
  CHECK(nn::MaxPool2d(2)(zeros({3, 4, 4})).shape() == Shape{3, 2, 2});
}
