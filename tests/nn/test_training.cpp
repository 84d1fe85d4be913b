// Training parity: an MLP classifier trained 50 steps by full-batch SGD with momentum on
// cross_entropy, from PyTorch's initial weights, tracks PyTorch's loss curve
// (tests/fixtures/gen_training.py), and training twice gives bit-identical losses.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/activation.hpp"
#include "liandan/nn/containers.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/losses.hpp"
#include "support/fixtures.hpp"

using namespace liandan;

namespace {

// Sequential(Linear(8, 32), GELU(), Linear(32, 32), ReLU(), Linear(32, 4)), as the fixture's.
std::unique_ptr<nn::Sequential> make_classifier() {
  auto net = std::make_unique<nn::Sequential>();
  net->emplace_back<nn::Linear>(8, 32);
  net->emplace_back<nn::GELU>();
  net->emplace_back<nn::Linear>(32, 32);
  net->emplace_back<nn::ReLU>();
  net->emplace_back<nn::Linear>(32, 4);
  return net;
}

// The fixture's state_dict under group ("mlp_sgd/init"), keyed as the model's.
core::NamedTensors fixture_state(const test::Fixture& f, const nn::Module& model,
                                 const std::string& group) {
  core::NamedTensors state;
  for (const auto& [key, value] : model.state_dict()) state.add(key, f.tensor(group + "/" + key));
  return state;
}

// One parameter and its momentum buffer.
struct MomentumState {
  Tensor param;
  Tensor buf;  // same shape as param; zero before the first step
};

// Full-batch SGD with momentum, written by hand as torch.optim.SGD (dampening 0, no weight
// decay, not Nesterov): buf = momentum * buf + grad, p -= lr * buf. Returns the loss before
// each update.
std::vector<double> train(nn::Module& net, const Tensor& x, const Tensor& y, double lr,
                          double momentum, int steps) {
  std::vector<MomentumState> state;
  for (const auto& [name, p] : net.named_parameters()) state.push_back({p, zeros(p.shape())});
  std::vector<double> losses;
  for (int step = 0; step < steps; ++step) {
    net.zero_grad();
    const Tensor loss = nn::cross_entropy(net(x), y);  // x (N, 8), y (N) -> ()
    loss.backward();
    losses.push_back(loss.item());
    NoGradGuard no_grad;
    for (const MomentumState& s : state) {
      mul_(s.buf, momentum);
      add_(s.buf, s.param.grad());
      add_(s.param, s.buf, -lr);
    }
  }
  return losses;
}

}  // namespace

TEST_CASE("Sequential training by SGD with momentum: 50 losses track PyTorch's to 1e-4") {
  const test::Fixture f("training");
  const std::string c = "mlp_sgd";
  const Tensor x(f.tensor(c + "/x"));  // (64, 8) f32
  const Tensor y(f.tensor(c + "/y"));  // (64) i64
  const auto steps = static_cast<int>(f.attr(c, "steps"));
  auto net = make_classifier();
  net->load_state_dict(fixture_state(f, *net, c + "/init"));

  const std::vector<double> losses =
      train(*net, x, y, f.attr(c, "lr"), f.attr(c, "momentum"), steps);

  const std::vector<double> expected = f.tensor(c + "/losses").to_vector<double>();
  REQUIRE(expected.size() == static_cast<std::size_t>(steps));
  REQUIRE(losses.size() == expected.size());
  for (std::size_t i = 0; i < losses.size(); ++i) {
    INFO("step " << i);
    CHECK(losses[i] == doctest::Approx(expected[i]).epsilon(1e-4));
  }
  CHECK(losses.back() < 0.5 * losses.front());  // it did learn
  for (const auto& [key, value] : net->state_dict()) {
    INFO("final " << key);
    test::expect_close(value, f.tensor(c + "/final/" + key), 1e-4, 1e-5);
  }
}

TEST_CASE("Sequential training by SGD with momentum: two runs give bit-identical losses") {
  const test::Fixture f("training");
  const std::string c = "mlp_sgd";
  const Tensor x(f.tensor(c + "/x"));
  const Tensor y(f.tensor(c + "/y"));
  std::vector<std::vector<double>> runs;
  std::vector<std::vector<float>> final_weights;
  for (int run = 0; run < 2; ++run) {
    auto net = make_classifier();
    net->load_state_dict(fixture_state(f, *net, c + "/init"));
    runs.push_back(train(*net, x, y, f.attr(c, "lr"), f.attr(c, "momentum"), 50));
    final_weights.push_back(net->state_dict().items().back().second.to_vector<float>());
  }
  CHECK(runs[0] == runs[1]);
  CHECK(final_weights[0] == final_weights[1]);
}
