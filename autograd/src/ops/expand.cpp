// expand: a broadcast view. Its gradient is returned at the expanded shape; the engine sums it
// back over the broadcast dims (Note [Engine]).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "view_marking.hpp"

namespace liandan {
namespace {

struct ExpandBackward final : Node {
  ExpandBackward() : Node("ExpandBackward") {}
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override { return {g[0]}; }
};

}  // namespace

Tensor expand(const Tensor& x, const Shape& shape) {
  check_input(x, "expand", "x");
  Tensor out = make_result(x.data().expand(shape));
  record<ExpandBackward>({x}, {out});
  return mark_view(out, x);
}

}  // namespace liandan
