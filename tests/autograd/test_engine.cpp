// The engine: gradients, accumulation, grad(), double backward, errors, hooks, memory.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "liandan/autograd/autograd.hpp"
#include "liandan/core/elementwise.hpp"
#include "support/fixtures.hpp"

using namespace liandan;

TEST_CASE("backward: d/dx and d/dy of x*y + exp(x) accumulate into leaves") {
  const Tensor x = tensor<double>({0.5, -1.0}, {2}, true);
  const Tensor y = tensor<double>({2.0, 3.0}, {2}, true);
  sum(x * y + exp(x)).backward();
  const auto gx = x.grad().to_vector<double>(), gy = y.grad().to_vector<double>();
  CHECK(gx[0] == doctest::Approx(2.0 + std::exp(0.5)));
  CHECK(gx[1] == doctest::Approx(3.0 + std::exp(-1.0)));
  CHECK(gy == std::vector<double>{0.5, -1.0});
  sum(x * y).backward();  // accumulates
  CHECK(y.grad().to_vector<double>() == std::vector<double>{1.0, -2.0});
}

TEST_CASE("gradcheck and gradgradcheck: mul, div, exp, log, matmul with broadcasting") {
  const Tensor a = randn({3, 1, 4}, {.dtype = DType::f64, .requires_grad = true});
  const Tensor b = randn({5, 4}, {.dtype = DType::f64, .requires_grad = true});
  const Tensor w = randn({4, 2}, {.dtype = DType::f64, .requires_grad = true});
  auto f = [](const std::vector<Tensor>& in) {
    const Tensor h = log(exp(in[0] * in[1]) + 1.0) / (in[1] * in[1] + 1.0) - in[0];
    return std::vector<Tensor>{matmul(h, in[2])};
  };
  const auto r1 = autograd::gradcheck(f, {a, b, w});
  CHECK_MESSAGE(r1.ok, r1.message);
  const auto r2 = autograd::gradgradcheck(f, {a, b, w});
  CHECK_MESSAGE(r2.ok, r2.message);
}

TEST_CASE("autograd::grad: gradient penalty d/dtheta ||df/dx|| matches PyTorch (double backward)") {
  test::Fixture f("autograd");
  const std::string c = "gradient_penalty/";
  auto leaf = [&](const char* name) { return Tensor(f.tensor(c + name), true); };
  const Tensor x = leaf("x"), w1 = leaf("w1"), b1 = leaf("b1"), w2 = leaf("w2");
  const Tensor out = matmul(log(exp(matmul(x, w1) + b1) + 1.0), w2);
  const Tensor gx = autograd::grad({sum(out)}, {x}, {}, {.create_graph = true})[0];
  const Tensor norms = exp(log(sum(gx * gx, {1})) * 0.5);
  const Tensor penalty = sum((norms - 1.0) * (norms - 1.0)) / 4.0;
  penalty.backward();
  test::expect_close(gx.data(), f.tensor(c + "gx"), 1e-12, 1e-12);
  test::expect_close(penalty.data(), f.tensor(c + "penalty"), 1e-12, 1e-12);
  for (const auto& [t, name] :
       {std::pair{x, "grad_x"}, {w1, "grad_w1"}, {b1, "grad_b1"}, {w2, "grad_w2"}})
    test::expect_close(t.grad().data(), f.tensor(c + name), 1e-10, 1e-12);
}

TEST_CASE("autograd::grad: selected inputs only, leaves' .grad untouched, allow_unused") {
  const Tensor x = tensor<double>({1, 2}, {2}, true), y = tensor<double>({3, 4}, {2}, true);
  const Tensor z = tensor<double>({5, 6}, {2}, true);
  const Tensor out = sum(x * y);
  const auto g = autograd::grad({out}, {y}, {}, {.retain_graph = true});
  CHECK(g[0].to_vector<double>() == std::vector<double>{1, 2});
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(y.grad().defined());
  CHECK_THROWS_WITH_AS(
      autograd::grad({out}, {z}, {}, {.retain_graph = true}),
      "grad: input 0 (shape [2]) is not used by the outputs; pass allow_unused=true", Error);
  const auto unused = autograd::grad({out}, {x, z}, {}, {.allow_unused = true});
  CHECK(unused[0].to_vector<double>() == std::vector<double>{3, 4});
  CHECK_FALSE(unused[1].defined());
}

TEST_CASE("backward: retain_graph allows a second pass; without it the second pass is an error") {
  const Tensor x = tensor<double>({1, 2}, {2}, true);
  const Tensor y = sum(x * x);
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{4, 8});
  CHECK_THROWS_WITH_AS(y.backward(),
                       "MulBackward: trying to backward through the graph a second time (its saved "
                       "tensors were freed); pass retain_graph=true to the first backward",
                       Error);
}

TEST_CASE(
    "backward: error messages for non-scalar outputs, tensors without grad, bad grad_output") {
  const Tensor x = tensor<double>({1, 2}, {2}, true);
  const Tensor y = x * 2.0;
  CHECK_THROWS_WITH_AS(y.backward(),
                       "backward: grad can be implicitly created only for one-element outputs; "
                       "output 0 has shape [2]",
                       Error);
  CHECK_THROWS_WITH_AS(tensor<double>({1}, {1}).backward(),
                       "backward: output 0 (shape [1]) does not require grad and has no grad_fn",
                       Error);
  CHECK_THROWS_WITH_AS(y.backward(tensor<double>({1, 1, 1}, {3})),
                       "backward: grad_output 0 has shape [3] but output has shape [2]", Error);
  CHECK_THROWS_WITH_AS(autograd::grad({sum(y)}, {tensor<double>({1}, {1})}),
                       "grad: input 0 (shape [1]) does not require grad", Error);
  y.backward(tensor<double>({1, 10}, {2}));
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 20});
}

TEST_CASE("NoGradGuard and detach: nothing is recorded") {
  const Tensor x = tensor<double>({1, 2}, {2}, true);
  {
    NoGradGuard no_grad;
    const Tensor y = x * x;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
  }
  CHECK(GradMode::enabled());
  const Tensor d = (x * x).detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  CHECK((x * 3.0).grad_fn()->name() == "MulBackward");
}

TEST_CASE("register_hook: leaf and non-leaf hooks see and replace the gradient; retain_grad") {
  const Tensor x = tensor<double>({1, 2}, {2}, true);
  int calls = 0;
  x.register_hook([&](const Tensor& g) {
    ++calls;
    return g * 10.0;  // scale
  });
  const Tensor h = x * 3.0;
  h.retain_grad();
  std::vector<double> seen;
  h.register_hook([&](const Tensor& g) {
    seen = g.to_vector<double>();
    return Tensor();  // observe only
  });
  sum(h * h).backward();
  CHECK(calls == 1);
  CHECK(seen == std::vector<double>{6, 12});  // d/dh sum(h^2) = 2h
  CHECK(h.grad().to_vector<double>() == std::vector<double>{6, 12});
  CHECK(x.grad().to_vector<double>() == std::vector<double>{180, 360});  // 3 * 2h * 10
  // clip-style hook on a non-leaf replaces the gradient flowing further down
  const Tensor z = tensor<double>({1, 2}, {2}, true);
  const Tensor hz = z * 1.0;
  hz.register_hook([](const Tensor& g) { return Tensor(core::clamp(g.data(), -1, 1)); });
  sum(hz * 5.0).backward();
  CHECK(z.grad().to_vector<double>() == std::vector<double>{1, 1});
}

TEST_CASE("zero_grad and requires_grad_: set to none or zero in place; only leaves") {
  const Tensor x = tensor<double>({1, 2}, {2}, true);
  sum(x * x).backward();
  x.zero_grad(false);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{0, 0});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  CHECK_THROWS_WITH_AS((x * 2.0).requires_grad_(false),
                       "requires_grad_: only leaves can change requires_grad; use detach() on a "
                       "result of MulBackward (shape [2])",
                       Error);
  CHECK_THROWS_AS(tensor<std::int64_t>({1}, {1}, true), Error);
}

TEST_CASE("in-place ops: modified saved tensor, leaf and view errors; history rebase") {
  const Tensor x = tensor<double>({1, 2}, {2}, true);
  const Tensor a = x * 1.0;
  const Tensor y = a * a;  // saves a
  add_(a, tensor<double>({1, 1}, {2}));
  CHECK_THROWS_WITH_AS(sum(y).backward(),
                       "MulBackward: a tensor of shape [2] saved for backward was modified by an "
                       "in-place operation (version 1 now, 0 when saved)",
                       Error);
  CHECK_THROWS_WITH_AS(mul_(x, 2.0),
                       "mul_: a leaf tensor of shape [2] that requires grad cannot be modified in "
                       "place while grad mode is on (use NoGradGuard, or modify a clone)",
                       Error);
  CHECK_THROWS_WITH_AS(
      zero_(slice(x * 1.0, 0, 0, 1)),
      "fill_: a view (shape [1]) of a tensor that requires grad cannot be modified "
      "in place; use the out-of-place op",
      Error);
  {
    NoGradGuard no_grad;  // optimizer-style update of a leaf
    mul_(x, 2.0);
  }
  CHECK(x.to_vector<double>() == std::vector<double>{2, 4});
  // history rebase: b = 2x; b += w (in place); b *= w (in place); d/dx, d/dw
  const Tensor w = tensor<double>({3, 5}, {2}, true);
  const Tensor b = x * 2.0;
  add_(b, w);
  mul_(b, w);
  CHECK(b.grad_fn()->name() == "MulInplaceBackward");
  sum(b).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{6, 10});   // 2 w
  CHECK(w.grad().to_vector<double>() == std::vector<double>{10, 18});  // (2x + w) + w
  // copy_ into a fresh buffer routes the gradient to the source
  const Tensor buf = zeros({2}, {.dtype = DType::f64});
  copy_(buf, w * 3.0);
  w.zero_grad();
  sum(buf).backward();
  CHECK(w.grad().to_vector<double>() == std::vector<double>{3, 3});
}

TEST_CASE("in-place ops: overlapping or expanded destinations are refused (core's check)") {
  NoGradGuard no_grad;  // the optimizer-style update of a leaf
  const Tensor x = tensor<double>({1, 2, 3, 4}, {2, 2}, true);
  CHECK_THROWS_WITH_AS(add_(x, transpose(x, 0, 1)),
                       doctest::Contains("add_: unsupported operation: some elements of the input "
                                         "tensor (shape [2,2], strides [1,2])"),
                       Error);
  CHECK_THROWS_WITH_AS(mul_(expand(zeros({1, 2}, {.dtype = DType::f64}), {2, 2}), x),
                       doctest::Contains("mul_: unsupported operation: more than one element"),
                       Error);
  CHECK_THROWS_WITH_AS(copy_(expand(zeros({1, 2}, {.dtype = DType::f64}), {2, 2}), x),
                       doctest::Contains("copy_: unsupported operation: more than one element"),
                       Error);
  add_(x, x);  // the input is the destination: fine
  CHECK(x.to_vector<double>() == std::vector<double>{2, 4, 6, 8});
}

TEST_CASE("memory: nodes and saved tensors are freed after backward and when outputs die") {
  const std::int64_t nodes0 = Node::live_count(), saved0 = SavedTensor::live_count();
  const Tensor x = tensor<double>({0.5, 0.25}, {2}, true);
  {
    Tensor h = x;
    for (int i = 0; i < 200; ++i) h = h * x + 1.0;
    CHECK(Node::live_count() > nodes0 + 400);
    sum(h).backward();
    CHECK(SavedTensor::live_count() == saved0);  // freed as soon as each node ran
  }
  CHECK(Node::live_count() == nodes0);  // the graph died with its output
  {
    // A 100k-node chain is torn down without recursion.
    Tensor h = x;
    for (int i = 0; i < 100000; ++i) h = h * 1.0;
  }
  CHECK(Node::live_count() == nodes0);
}

TEST_CASE("memory: a 1000-step training loop does not grow") {
  const Tensor w = randn({16, 8}, {.dtype = DType::f64, .requires_grad = true});
  const Tensor data = randn({32, 16}, {.dtype = DType::f64});
  std::size_t in_use_at_10 = 0, in_use_at_1000 = 0;
  const std::int64_t nodes0 = Node::live_count();
  for (int step = 1; step <= 1000; ++step) {
    const Tensor out = matmul(data, w);
    const Tensor loss = sum(out * out) / 32.0;
    w.zero_grad();
    loss.backward();
    {
      NoGradGuard no_grad;
      add_(w, w.grad(), -1e-4);
    }
    if (step == 10) in_use_at_10 = allocator_stats().bytes_in_use;
    if (step == 1000) in_use_at_1000 = allocator_stats().bytes_in_use;
  }
  CHECK(in_use_at_1000 == in_use_at_10);
  CHECK(Node::live_count() == nodes0);
}

TEST_CASE("AnomalyMode: off by default, names the first node returning NaN or Inf") {
  const Tensor x = tensor<double>({0, 1}, {2}, true);
  sum(log(x)).backward();  // d/dx log(0) = inf, not checked
  CHECK(std::isinf(x.grad().to_vector<double>()[0]));
  AnomalyModeGuard anomaly;
  {
    AnomalyScope scope("custom block");
    const Tensor y = sum(log(x) * 2.0);
    CHECK_THROWS_WITH_AS(y.backward(),
                         "anomaly: LogBackward (created in custom block) returned a NaN or Inf "
                         "gradient for input 0 (shape [2])",
                         Error);
  }
  CHECK_THROWS_WITH_AS(sum(log(x)).backward(),
                       "anomaly: LogBackward (created in no module) returned a NaN or Inf gradient "
                       "for input 0 (shape [2])",
                       Error);
}

// ---- Note [.grad ownership] (accumulate_grad.cpp): .grad is a buffer of its own

namespace {

bool shares_storage(const Tensor& a, const Tensor& b) {
  return a.data().storage() == b.data().storage();
}

}  // namespace

TEST_CASE("backward: .grad never aliases the caller's grad_output, which stays unchanged") {
  // Every op whose backward passes the incoming gradient on as it is (or as a view of it).
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> ops = {
      {"leaf", [](const Tensor& a) { return a; }},
      {"a + c",
       [](const Tensor& a) {
         return a + tensor<double>({5, 6, 7}, {3});
       }},
      {"a + 1", [](const Tensor& a) { return a + 1.0; }},
      {"a - 1", [](const Tensor& a) { return a - 1.0; }},
      {"clone", [](const Tensor& a) { return clone(a); }},
      {"contiguous", [](const Tensor& a) { return contiguous(a); }},
      {"view", [](const Tensor& a) { return view(a, {3}); }},
      {"reshape",
       [](const Tensor& a) {
         return reshape(reshape(a, {3, 1}), {3});
       }},
      {"to(f64)", [](const Tensor& a) { return to(a, DType::f64); }},
      {"slice(all)", [](const Tensor& a) { return slice(a, 0, 0, 3); }},
  };
  for (const auto& [name, op] : ops) {
    CAPTURE(name);
    const Tensor a = tensor<double>({1, 2, 3}, {3}, true);
    const Tensor g = tensor<double>({1, 1, 1}, {3});
    for (int i = 0; i < 3; ++i) op(a).backward(g);  // PyTorch: 3 * g, g untouched
    CHECK(a.grad().to_vector<double>() == std::vector<double>{3, 3, 3});
    CHECK(g.to_vector<double>() == std::vector<double>{1, 1, 1});
    CHECK_FALSE(shares_storage(a.grad(), g));
  }
}

TEST_CASE("backward: two leaves fed the same gradient get buffers of their own") {
  for (const bool create_graph : {false, true}) {
    CAPTURE(create_graph);
    const Tensor a = tensor<double>({1, 2, 3}, {3}, true);
    const Tensor b = tensor<double>({4, 5, 6}, {3}, true);
    const Tensor g = tensor<double>({1, 1, 1}, {3});
    (a + b).backward(g, false, create_graph);
    CHECK_FALSE(shares_storage(a.grad(), b.grad()));
    CHECK_FALSE(shares_storage(a.grad(), g));
    a.zero_grad(false);
    CHECK(a.grad().to_vector<double>() == std::vector<double>{0, 0, 0});
    CHECK(b.grad().to_vector<double>() == std::vector<double>{1, 1, 1});
    CHECK(g.to_vector<double>() == std::vector<double>{1, 1, 1});
  }
}

TEST_CASE("backward with create_graph: .grad is fresh, contiguous, unshared and differentiable") {
  const Tensor a = tensor<double>({1, 2, 3}, {3}, true);
  const Tensor b = tensor<double>({4, 5, 6}, {3}, true);
  sum(a + b).backward({}, false, /*create_graph=*/true);  // SumBackward hands on an expand
  for (const Tensor& t : {a, b}) {
    CHECK(t.grad().data().is_contiguous());
    CHECK(t.grad().to_vector<double>() == std::vector<double>{1, 1, 1});
  }
  CHECK_FALSE(shares_storage(a.grad(), b.grad()));
  a.zero_grad(false);  // zeroes a's gradient only
  CHECK(b.grad().to_vector<double>() == std::vector<double>{1, 1, 1});

  // create_graph, then a plain backward into the same .grad (in place), then zero_grad
  const Tensor x = tensor<double>({1, 2}, {2}, true);
  sum(x * x).backward({}, false, true);
  const Tensor gx = x.grad();
  CHECK(gx.requires_grad());  // 2x, recorded
  CHECK(gx.data().is_contiguous());
  sum(x * x).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{4, 8});
  // The recorded .grad is still a function of x: d/dx sum(2x) = 2.
  CHECK(autograd::grad({sum(gx)}, {x})[0].to_vector<double>() == std::vector<double>{2, 2});
  x.zero_grad(false);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{0, 0});
}

TEST_CASE("backward: repeated backward accumulates without touching earlier results") {
  const Tensor a = tensor<double>({1, 2}, {2}, true);
  const Tensor y = sum(a * a);
  y.backward({}, true);
  const Tensor first = a.grad();
  const std::vector<double> first_values = first.to_vector<double>();
  Tensor kept = Tensor(first.data().clone());  // what a user may copy out
  y.backward({}, true);
  CHECK(a.grad().to_vector<double>() == std::vector<double>{4, 8});
  CHECK(kept.to_vector<double>() == first_values);
  // a gradient stolen from the engine is not shared with anything a user holds
  const Tensor g = tensor<double>({1, 1}, {2});
  const Tensor b = tensor<double>({0, 0}, {2}, true);
  (b * 2.0).backward(g);
  (b * 2.0).backward(g);
  CHECK(b.grad().to_vector<double>() == std::vector<double>{4, 4});
  CHECK(g.to_vector<double>() == std::vector<double>{1, 1});
}

// ---- Note [Engine]: which nodes run

namespace {

// Identity ops with hand-written nodes that record what the engine asked of them.
struct ProbeBackward final : Node {
  explicit ProbeBackward(int* runs) : Node("ProbeBackward"), runs(runs) {}
  int* runs;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    ++*runs;
    return {g[0]};
  }
};

// y = x; counts how often its backward runs.
Tensor probe(const Tensor& x, int* runs) {
  Tensor out = make_result(x.data());
  record<ProbeBackward>({x}, {out}, runs);
  return out;
}

// y = x, but the backward sends no gradient (undefined = zero) to x.
struct NoGradientBackward final : Node {
  NoGradientBackward() : Node("NoGradientBackward") {}
  std::vector<Tensor> backward(const std::vector<Tensor>&) override { return {Tensor()}; }
};

Tensor no_gradient(const Tensor& x) {
  Tensor out = make_result(x.data());
  record<NoGradientBackward>({x}, {out});
  return out;
}

// y = a + b; the backward records which input gradients it was asked for.
struct AskBackward final : Node {
  explicit AskBackward(std::vector<bool>* asked) : Node("AskBackward"), asked(asked) {}
  std::vector<bool>* asked;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    *asked = {needs_input_grad(0), needs_input_grad(1)};
    return {needs_input_grad(0) ? g[0] : Tensor(), needs_input_grad(1) ? g[0] : Tensor()};
  }
};

Tensor ask_sum(const Tensor& a, const Tensor& b, std::vector<bool>* asked) {
  Tensor out = make_result(core::add(a.data(), b.data()));
  record<AskBackward>({a, b}, {out}, asked);
  return out;
}

}  // namespace

TEST_CASE("backward: a node whose incoming gradients are all undefined is skipped") {
  // x -> 2x -> (no gradient) and x -> 3x: MulBackward of 2x gets nothing and must not run.
  const Tensor x = tensor<double>({1, 2}, {2}, true);
  sum(no_gradient(x * 2.0) + x * 3.0).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{3, 3});
  // Nothing reaches x at all: .grad stays undefined (PyTorch: None).
  const Tensor y = tensor<double>({1, 2}, {2}, true);
  int runs = 0;
  sum(no_gradient(probe(y * 2.0, &runs))).backward();
  CHECK(runs == 0);
  CHECK_FALSE(y.grad().defined());
  CHECK_FALSE(
      autograd::grad({sum(no_gradient(y * 2.0))}, {y}, {}, {.allow_unused = true})[0].defined());
}

TEST_CASE("pow(h, 0) of a non-leaf: zero gradient, as PyTorch (focal loss with gamma = 0)") {
  const Tensor x = tensor<double>({1, 2}, {2}, true);
  sum(pow(x * 2.0, 0.0)).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{0, 0});
  // focal loss -(1 - p)^gamma log p with gamma = 0 is the cross-entropy -log p: d/dz = p - 1
  const Tensor z = tensor<double>({-1.5, 0.0, 2.0}, {3}, true);
  const Tensor p = sigmoid(z);
  sum(-pow(1.0 - p, 0.0) * log(p)).backward();
  const auto gz = z.grad().to_vector<double>();
  const auto pv = p.to_vector<double>();
  for (int i = 0; i < 3; ++i) CHECK(gz[i] == doctest::Approx(pv[i] - 1.0).epsilon(1e-12));
}

TEST_CASE("grad(out, {x}): nodes that lead only to other leaves do not run") {
  int x_side = 0, w_side = 0;
  const Tensor x = randn({4, 3}, {.dtype = DType::f64, .requires_grad = true});
  const Tensor w = randn({3, 2}, {.dtype = DType::f64, .requires_grad = true});
  const Tensor out = sum(matmul(probe(x, &x_side), probe(w, &w_side)));
  const Tensor gx = autograd::grad({out}, {x}, {}, {.retain_graph = true})[0];
  CHECK(x_side == 1);
  CHECK(w_side == 0);  // w's accumulator is created after the probe's node (larger number)
  CHECK_FALSE(w.grad().defined());
  // the same with create_graph (the gradient-penalty step)
  autograd::grad({out}, {x}, {}, {.create_graph = true});
  CHECK(x_side == 2);
  CHECK(w_side == 0);
  // and a node is asked only for the input gradients that lead somewhere
  std::vector<bool> asked;
  const Tensor a = tensor<double>({1}, {1}, true), b = tensor<double>({2}, {1}, true);
  const Tensor s = ask_sum(a * 1.0, b * 1.0, &asked);
  autograd::grad({s}, {a}, {}, {.retain_graph = true});
  CHECK(asked == std::vector<bool>{true, false});
  autograd::grad({s}, {b}, {}, {.retain_graph = true});
  CHECK(asked == std::vector<bool>{false, true});
  s.backward();
  CHECK(asked == std::vector<bool>{true, true});
  CHECK(a.grad().item() == 1);
  CHECK(b.grad().item() == 1);
}

TEST_CASE("errors: an undefined input names the op and the argument; methods name themselves") {
  const Tensor x = tensor<double>({1, 2}, {2}, true), none;
  const std::vector<std::pair<std::function<void()>, std::string>> cases = {
      {[&] { exp(none); }, "exp: undefined tensor (argument x)"},
      {[&] { relu(none); }, "relu: undefined tensor (argument x)"},
      {[&] { x* none; }, "mul: undefined tensor (argument b)"},
      {[&] { none + x; }, "add: undefined tensor (argument a)"},
      {[&] { x - none; }, "sub: undefined tensor (argument b)"},
      {[&] { 1.0 / none; }, "div: undefined tensor (argument b)"},
      {[&] { pow(x, none); }, "pow: undefined tensor (argument b)"},
      {[&] { matmul(none, x); }, "matmul: undefined tensor (argument a)"},
      {[&] { where(none, x, x); }, "where: undefined tensor (argument cond)"},
      {[&] { sum(none); }, "sum: undefined tensor (argument x)"},
      {[&] { mean(none); }, "mean: undefined tensor (argument x)"},
      {[&] { norm(none); }, "norm: undefined tensor (argument x)"},
      {[&] { reshape(none, {2}); }, "reshape: undefined tensor (argument x)"},
      {[&] { transpose(none, 0, 1); }, "transpose: undefined tensor (argument x)"},
      {[&] {
         cat({x, none}, 0);
       },
       "cat: undefined tensor (argument tensors[1])"},
      {[&] { layer_norm(none, {2}); }, "layer_norm: undefined tensor (argument x)"},
      {[&] {  // an optimizer-style step with a .grad no backward has reached
         NoGradGuard no_grad;
         add_(x, x.grad(), -0.1);
       },
       "add_: undefined tensor (argument other)"},
      {[&] { none.item(); },
       "Tensor::item(): undefined tensor (an empty Tensor(): e.g. .grad() before a backward "
       "reached it, or an optional argument left out)"},
      {[&] { none.shape(); }, "Tensor::shape(): undefined tensor"},
      {[&] { x.grad().to_vector<double>(); }, "Tensor::to_vector(): undefined tensor"},
  };
  for (const auto& [f, message] : cases) {
    CAPTURE(message);
    CHECK_THROWS_WITH_AS(f(), doctest::Contains(message.c_str()), Error);
  }
}
