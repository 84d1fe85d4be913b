// A short training program written against the installed library: a two-layer MLP learns
// y = 4 x^3 - 3 x (a Chebyshev polynomial) on [-1, 1] with AdamW. Exits 1 unless the loss falls below a tenth of its start.
#include <cstdio>
#include <liandan/liandan.hpp>

using namespace liandan;

struct Mlp : nn::Module {
  nn::Linear fc1, fc2;
  Mlp() : fc1(1, 32), fc2(32, 1) { register_modules({{"fc1", fc1}, {"fc2", fc2}}); }
  Tensor forward(const Tensor& x) override { return fc2(tanh(fc1(x))); }  // (B, 1) -> (B, 1)
  std::string type_name() const override { return "Mlp"; }
};

int main() {
  core::manual_seed(0);
  Mlp model;
  optim::AdamW opt(optim::single_group(model.named_parameters()), {.lr = 1e-2});
  const Tensor x = unsqueeze(arange(-64, 64) / 64.0, 1);  // (128, 1)
  const Tensor y = x * x * x * 4.0 - x * 3.0;
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    opt.zero_grad();
    const Tensor loss = nn::mse_loss(model(x), y);
    loss.backward();
    opt.step();
    last = loss.item();
    if (step == 0) first = last;
  }
  std::printf("fit_cubic: mse %.5f -> %.5f\n", first, last);
  return last < first / 10 ? 0 : 1;
}
