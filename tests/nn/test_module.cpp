// nn::Module: registration, dotted names, traversal, state_dict, hooks, errors, printing.
#include <doctest/doctest.h>

#include <cmath>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/containers.hpp"
#include "liandan/nn/functional.hpp"
#include "liandan/nn/linear.hpp"
#include "support/fixtures.hpp"
#include "support/named_tensors.hpp"

using namespace liandan;

namespace {

// A user's model: members, one registration line per child.
struct Block : nn::Module {
  nn::Linear fc1, fc2;
  Tensor scale;
  Tensor steps;  // a buffer
  Block(int d) : fc1(d, 2 * d), fc2(2 * d, d), scale(ones({d})), steps(zeros({1})) {
    register_modules({{"fc1", fc1}, {"fc2", fc2}});
    register_parameter("scale", scale);
    register_buffer("steps", steps);
  }
  Tensor forward(const Tensor& x) override { return x + fc2(relu(fc1(x))) * scale; }
  std::string type_name() const override { return "Block"; }
};

struct Net : nn::Module {
  nn::ModuleList blocks;
  nn::Linear head;
  Net() : head(4, 2) {
    for (int i = 0; i < 3; ++i) blocks.emplace_back<Block>(4);
    register_modules({{"blocks", blocks}, {"head", head}});
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = x;
    for (std::size_t i = 0; i < blocks.size(); ++i) h = blocks[i](h);
    return head(h);
  }
  std::string type_name() const override { return "Net"; }
};

}  // namespace

TEST_CASE("Module: dotted names in registration order, buffers, children, modules, counts") {
  Net net;
  const auto params = net.named_parameters().names();
  REQUIRE(params.size() == 3 * 5 + 2);
  // A module's own parameters come before its children's, as in PyTorch.
  CHECK(params[0] == "blocks.0.scale");
  CHECK(params[1] == "blocks.0.fc1.weight");
  CHECK(params[10] == "blocks.2.scale");
  CHECK(params[16] == "head.bias");
  CHECK(net.named_buffers().names() ==
        std::vector<std::string>{"blocks.0.steps", "blocks.1.steps", "blocks.2.steps"});
  CHECK(net.children().size() == 2);
  const auto mods = net.named_modules();
  CHECK(mods.size() == 1 + 1 + 3 * 3 + 1);
  CHECK(mods[1].first == "blocks");
  CHECK(mods[2].first == "blocks.0");
  CHECK(mods[3].first == "blocks.0.fc1");
  CHECK(net.num_parameters() == 3 * (4 * 8 + 8 + 8 * 4 + 4 + 4) + 4 * 2 + 2);
  for (const Tensor& p : net.parameters()) CHECK(p.requires_grad());
}

TEST_CASE("Module: train/eval, zero_grad, requires_grad_ (freeze), apply") {
  Net net;
  net.eval();
  for (nn::Module* m : net.modules()) CHECK_FALSE(m->is_training());
  net.train();
  CHECK(net.blocks[1].is_training());
  sum(net(randn({3, 4}))).backward();
  CHECK(net.head.weight.grad().defined());
  net.zero_grad();
  CHECK_FALSE(net.head.weight.grad().defined());
  net.blocks.requires_grad_(false);
  CHECK_FALSE(net.blocks[0].parameters()[0].requires_grad());
  CHECK(net.head.weight.requires_grad());
  int count = 0;
  net.apply([&](nn::Module&) { ++count; });
  CHECK(count == 12);
}

TEST_CASE("Module::state_dict / load_state_dict: round trip is bit-identical; errors name keys") {
  Net a, b;
  const Tensor x = randn({5, 4});
  b.load_state_dict(a.state_dict());
  CHECK(a(x).to_vector<float>() == b(x).to_vector<float>());
  CHECK(a.state_dict().names()[1] == "blocks.0.steps");  // parameters then buffers, per module

  const core::NamedTensors missing = test::replaced(a.state_dict(), "blocks.0.fc1.weight");
  CHECK_THROWS_WITH_AS(b.load_state_dict(missing),
                       "load_state_dict: missing key 'blocks.0.fc1.weight' (shape [8,4])", Error);
  b.load_state_dict(missing, /*strict=*/false);
  const core::NamedTensors extra =
      test::appended(a.state_dict(), "head.gamma", core::Tensor::ones({2}));
  CHECK_THROWS_WITH_AS(b.load_state_dict(extra), "load_state_dict: unexpected key 'head.gamma'",
                       Error);
  const core::NamedTensors wrong =
      test::replaced(a.state_dict(), "blocks.0.fc1.weight", core::Tensor::zeros({4, 8}));
  CHECK_THROWS_WITH_AS(b.load_state_dict(wrong),
                       "load_state_dict: shape mismatch for 'blocks.0.fc1.weight': checkpoint has "
                       "[4,8], model has [8,4]",
                       Error);
}

TEST_CASE("Module forward hooks, backward hooks, and errors that name the module path") {
  Net net;
  int pre = 0, post = 0;
  net.head.register_forward_pre_hook([&](nn::Module&, const Tensor&) {
    ++pre;
    return Tensor();
  });
  net.head.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& out) {
    ++post;
    return out * 2.0;  // replaces the output
  });
  std::vector<float> seen;
  net.head.register_backward_hook([&](nn::Module&, const Tensor& g) {
    seen = g.to_vector<float>();
    return Tensor();
  });
  const Tensor x = randn({1, 4});
  const Tensor y = net(x);
  sum(y).backward();
  CHECK(pre == 1);
  CHECK(post == 1);
  CHECK(seen == std::vector<float>{1, 1});
  CHECK_THROWS_WITH_AS(net(randn({2, 5})),
                       "blocks.0.fc1: Linear: input of shape [2,5] does not end with in_features 4",
                       nn::ModuleError);
}

TEST_CASE("Module::str prints the tree like PyTorch") {
  nn::Sequential seq;
  seq.emplace_back<nn::Linear>(4, 3);
  seq.emplace_back<nn::Linear>(3, 1, nn::LinearOptions{.bias = false});
  CHECK(seq.str() ==
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=3, bias=true)\n"
        "  (1): Linear(in_features=3, out_features=1, bias=false)\n"
        ")");
  CHECK(seq(randn({2, 4})).shape() == Shape{2, 1});
}

TEST_CASE("Linear: forward and backward vs PyTorch with the fixture's weights") {
  test::Fixture f("nn");
  nn::Linear lin(4, 3, {.dtype = DType::f64});
  lin.load_state_dict({{"weight", f.tensor("linear/weight")}, {"bias", f.tensor("linear/bias")}});
  const Tensor x(f.tensor("linear/x"), true);
  const Tensor y = lin(x);
  test::expect_close(y.data(), f.tensor("linear/out"), 1e-12, 1e-12);
  y.backward(Tensor(f.tensor("linear/grad_out")));
  test::expect_close(x.grad().data(), f.tensor("linear/grad_x"), 1e-12, 1e-12);
  test::expect_close(lin.weight.grad().data(), f.tensor("linear/grad_weight"), 1e-12, 1e-12);
  test::expect_close(lin.bias.grad().data(), f.tensor("linear/grad_bias"), 1e-12, 1e-12);
}

TEST_CASE("Linear: default initialisation bounds as PyTorch's") {
  nn::Linear lin(100, 50);
  const double bound = 1 / std::sqrt(100.0);  // kaiming_uniform(a = sqrt 5) gives the same bound
  CHECK(core::amax(core::abs(lin.weight.data())).item() <= bound);
  CHECK(core::amax(core::abs(lin.weight.data())).item() > 0.9 * bound);
  CHECK(core::amax(core::abs(lin.bias.data())).item() <= bound);
}

namespace {
struct SqrtOfZero : nn::Module {  // sqrt'(0) = inf: a NaN/Inf factory for anomaly mode
  Tensor forward(const Tensor& x) override { return sqrt(x * 0.0); }
  std::string type_name() const override { return "SqrtOfZero"; }
};
struct Outer : nn::Module {
  nn::Linear fc;
  SqrtOfZero bad;
  Outer() : fc(3, 3) { register_modules({{"fc", fc}, {"bad", bad}}); }
  Tensor forward(const Tensor& x) override { return bad(fc(x)); }
};
}  // namespace

TEST_CASE("AnomalyMode: the first NaN or Inf gradient names the op and the module") {
  Outer model;
  const Tensor x = randn({2, 3});
  sum(model(x)).backward();  // off: silently non-finite
  const float g0 = model.fc.bias.grad().to_vector<float>()[0];
  CHECK_FALSE(std::isfinite(g0));
  AnomalyModeGuard anomaly;
  const Tensor y = model(x);
  CHECK_THROWS_WITH_AS(sum(y).backward(),
                       "anomaly: SqrtBackward (created in bad) returned a NaN or Inf gradient for "
                       "input 0 (shape [2,3])",
                       Error);
}

TEST_CASE("ModuleDict: modules by name in insertion order, errors for bad keys") {
  nn::ModuleDict heads;
  heads.emplace<nn::Linear>("score", 4, 1);
  heads.emplace<nn::Linear>("class", 4, 3);
  CHECK(heads.keys() == std::vector<std::string>{"score", "class"});
  CHECK(heads.named_parameters().names()[0] == "score.weight");
  CHECK(heads["class"](randn({2, 4})).shape() == Shape{2, 3});
  CHECK(heads.contains("score"));
  CHECK_THROWS_WITH_AS(heads["box"], "ModuleDict: no key 'box'", Error);
  CHECK_THROWS_WITH_AS(heads.emplace<nn::Linear>("score", 4, 1),
                       "ModuleDict: key 'score' is already present", Error);
}

TEST_CASE("nn::functional: the layers' functional forms are available under one name") {
  namespace F = nn::functional;
  const Tensor x = randn({2, 3, 8, 8});
  CHECK(F::relu(x).shape() == x.shape());
  CHECK(F::max_pool2d(x, {.kernel = {2, 2}}).shape() == Shape{2, 3, 4, 4});
  CHECK(F::layer_norm(x, {8}).shape() == x.shape());
  CHECK(F::linear(randn({2, 4}), randn({3, 4})).shape() == Shape{2, 3});
}

// ---- Note [Unregistered submodules]

namespace {

// fc2 is a member that the constructor forgot to register.
struct Forgetful : nn::Module {
  nn::Linear fc1, fc2;
  Forgetful() : fc1(4, 4), fc2(4, 2) { register_modules({{"fc1", fc1}}); }
  Tensor forward(const Tensor& x) override { return fc2(relu(fc1(x))); }
  std::string type_name() const override { return "Forgetful"; }
};

// A two-input forward (through Module::call) with a forgotten member.
struct Pair : nn::Module {
  nn::Linear proj;
  Pair() : proj(4, 4) {}
  Tensor forward2(const Tensor& a, const Tensor& b) {
    return call([&] { return proj(a) + b; });
  }
  std::string type_name() const override { return "Pair"; }
};

// Registers its child, whose own member is forgotten.
struct Holder : nn::Module {
  Forgetful inner;
  Holder() { register_modules({{"inner", inner}}); }
  Tensor forward(const Tensor& x) override { return inner(x); }
};

}  // namespace

TEST_CASE("Module: a forgotten member module is an error on the first forward, naming its type") {
  const Tensor x = randn({3, 4});
  Forgetful net;
  CHECK(net.parameters().size() == 2);  // fc2's weight and bias are missing: the bug
  CHECK_THROWS_WITH_AS(net(x),
                       "Forgetful: the forward of Forgetful calls a Linear that is not registered: "
                       "register it in Forgetful's constructor (register_module or "
                       "register_modules), or it is never trained, saved or switched by "
                       "train()/eval() (Note [Unregistered submodules] in nn/module.hpp)",
                       nn::ModuleError);
  Pair pair;
  CHECK_THROWS_WITH_AS(pair.forward2(x, x),
                       doctest::Contains("Pair: the forward of Pair calls a Linear that is not "
                                         "registered"),
                       nn::ModuleError);
  // below a root, the error names the path of the module whose forward made the call
  Holder holder;
  CHECK_THROWS_WITH_AS(holder(x),
                       doctest::Contains("inner: the forward of Forgetful calls a Linear"),
                       nn::ModuleError);
  // registered (here by hand, later), the same model runs; a thrown forward left no state
  net.register_module("fc2", net.fc2);
  CHECK(net(x).shape() == Shape{3, 2});
  CHECK(net.parameters().size() == 4);
}

TEST_CASE("Module: roots called outside a forward, shared registered modules and recursion run") {
  const Tensor x = randn({3, 4});
  nn::Linear shared(4, 4);
  Block owner(4);
  owner.register_module("shared", shared);  // registered in one model ...
  struct User : nn::Module {                // ... and used by another
    nn::Linear& shared;
    explicit User(nn::Linear& s) : shared(s) {}
    Tensor forward(const Tensor& x) override { return shared(x); }
  } user(shared);
  CHECK(user(x).shape() == Shape{3, 4});
  // a root called from plain code, as a critic in a GAN step or a model in generate()
  nn::Linear critic(4, 1);
  CHECK(critic(x).shape() == Shape{3, 1});
  CHECK(Net()(x).shape() == Shape{3, 2});
}
