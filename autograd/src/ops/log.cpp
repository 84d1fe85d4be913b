// log: natural logarithm. d/dx = g / x.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct LogBackward final : Node {
  LogBackward() : Node("LogBackward") {}
  SavedTensor x;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {div(g[0], x.unpack(*this))};
  }
  void release_saved() override { x.reset(); }
};

}  // namespace

Tensor log(const Tensor& x) {
  check_input(x, "log", "x");
  Tensor out = make_result(core::log(x.data()));
  if (auto node = record<LogBackward>({x}, {out})) node->x = SavedTensor(x, false);
  return out;
}

}  // namespace liandan
