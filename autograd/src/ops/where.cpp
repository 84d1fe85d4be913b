// where(cond, a, b): a where cond, else b, all three broadcast together. cond is bool and gets
// no gradient: d/da = where(cond, g, 0), d/db = where(cond, 0, g).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct WhereBackward final : Node {
  WhereBackward() : Node("WhereBackward") {}
  SavedTensor cond;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor c = cond.unpack(*this);
    const Tensor zero(core::Tensor::scalar(0, g[0].dtype()));
    return {needs_input_grad(0) ? where(c, g[0], zero) : Tensor(),
            needs_input_grad(1) ? where(c, zero, g[0]) : Tensor()};
  }
  void release_saved() override { cond.reset(); }
};

}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_input(cond, "where", "cond");
  check_input(a, "where", "a");
  check_input(b, "where", "b");
  Tensor out = make_result(core::where(cond.data(), a.data(), b.data()));
  if (auto node = record<WhereBackward>({a, b}, {out})) node->cond = SavedTensor(cond, false);
  return out;
}

}  // namespace liandan
