// The README's "Write your own model" example, compiled and run: the code between the two
// banners below is the README's code block verbatim (the first test case checks it still is).
#include <doctest/doctest.h>

#include "support/readme.hpp"

#include <fstream>
#include <sstream>
#include <string>

// ---- begin README block
#include <liandan/autograd/autograd.hpp>
#include <liandan/nn/containers.hpp>
#include <liandan/nn/linear.hpp>
#include <liandan/nn/losses.hpp>
using namespace liandan;

// A residual block: layers are members, registered by name in one line.
struct Block : nn::Module {
  nn::Linear fc1, fc2;
  explicit Block(int d) : fc1(d, 4 * d), fc2(4 * d, d) {
    register_modules({{"fc1", fc1}, {"fc2", fc2}});
  }
  Tensor forward(const Tensor& x) override { return x + fc2(relu(fc1(x))); }  // (B, d)
  std::string type_name() const override { return "Block"; }
};

// A classifier: a ModuleList of blocks (named blocks.0, blocks.1, ...), then a linear head.
struct Net : nn::Module {
  nn::ModuleList blocks;
  nn::Linear head;
  Net(int d, int depth, int classes) : head(d, classes) {
    for (int i = 0; i < depth; ++i) blocks.emplace_back<Block>(d);
    register_modules({{"blocks", blocks}, {"head", head}});
  }
  Tensor forward(const Tensor& x) override {  // (B, d) -> (B, classes)
    Tensor h = x;
    for (std::size_t i = 0; i < blocks.size(); ++i) h = blocks[i](h);
    return head(h);
  }
  std::string type_name() const override { return "Net"; }
};

// One step of plain SGD on a batch x (B, d) with labels (B) of class indices (i64).
double sgd_step(Net& net, const Tensor& x, const Tensor& labels, double lr) {
  net.zero_grad();
  const Tensor loss = nn::cross_entropy(net(x), labels);  // ()
  loss.backward();
  NoGradGuard no_grad;  // the update itself is not recorded
  // name: "blocks.0.fc1.weight", "blocks.0.fc1.bias", ..., "head.bias"
  for (const auto& [name, p] : net.named_parameters()) add_(p, p.grad(), -lr);
  return loss.item();
}

// Net(2, 1, 3).str() prints the tree, as PyTorch's print(model):
// Net(
//   (blocks): ModuleList(
//     (0): Block(
//       (fc1): Linear(in_features=2, out_features=8, bias=true)
//       (fc2): Linear(in_features=8, out_features=2, bias=true)
//     )
//   )
//   (head): Linear(in_features=2, out_features=3, bias=true)
// )
// ---- end README block

TEST_CASE("Module README example: this file holds the README's code block verbatim") {
  test::check_readme_block("## Write your own model", "tests/nn/test_readme_example.cpp");
}

TEST_CASE("Module README example: forward shape, backward, parameter names, printing") {
  Net net(8, 3, 4);
  const Tensor x = randn({16, 8});  // (B, d)
  const Tensor logits = net(x);
  CHECK(logits.shape() == Shape{16, 4});

  const auto named = net.named_parameters();
  REQUIRE(named.size() == 3 * 4 + 2);
  CHECK(named.items()[0].first == "blocks.0.fc1.weight");
  CHECK(named.items()[1].first == "blocks.0.fc1.bias");
  CHECK(named.items()[3].first == "blocks.0.fc2.bias");
  CHECK(named.items()[8].first == "blocks.2.fc1.weight");
  CHECK(named.items()[12].first == "head.weight");
  CHECK(named.items()[13].first == "head.bias");
  CHECK(named["blocks.0.fc1.weight"].shape() == Shape{32, 8});
  CHECK(net.num_parameters() == 3 * (8 * 32 + 32 + 32 * 8 + 8) + 8 * 4 + 4);

  sum(logits).backward();
  for (const auto& [name, p] : named) {
    INFO(name);
    REQUIRE(p.grad().defined());
    CHECK(p.grad().shape() == p.shape());
  }

  CHECK(Net(2, 1, 3).str() ==
        "Net(\n"
        "  (blocks): ModuleList(\n"
        "    (0): Block(\n"
        "      (fc1): Linear(in_features=2, out_features=8, bias=true)\n"
        "      (fc2): Linear(in_features=8, out_features=2, bias=true)\n"
        "    )\n"
        "  )\n"
        "  (head): Linear(in_features=2, out_features=3, bias=true)\n"
        ")");
}

TEST_CASE("Module README example: sgd_step lowers the loss on a fixed batch") {
  Net net(8, 2, 4);
  const Tensor x = randn({32, 8});                            // (B, d)
  const Tensor labels = argmax(matmul(x, randn({8, 4})), 1);  // (B) i64, learnable
  const double first = sgd_step(net, x, labels, 0.05);
  double last = first;
  for (int step = 0; step < 30; ++step) last = sgd_step(net, x, labels, 0.05);
  CHECK(last < first);
  CHECK(net.head.weight.grad().defined());
}
