// max / min along one dim: values with a gradient, indices (i64) without. The gradient goes to
// the selected element only (the first extreme, as PyTorch): d/dx = g [position == index]
// along dim. argmax gives indices only, outside any graph.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct MaxBackward final : Node {
  MaxBackward(const char* name, Shape positions_shape, Shape kept_shape)
      : Node(name), positions_shape(positions_shape), kept_shape(kept_shape) {}
  Shape positions_shape;  // 1 everywhere but the reduced dim
  Shape kept_shape;       // the values with the reduced dim as 1
  SavedTensor indices;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const core::Tensor index = indices.unpack(*this).data().reshape(kept_shape);
    const core::Tensor positions =
        core::Tensor::arange(0, static_cast<double>(positions_shape.numel()), 1, DType::i64)
            .reshape(positions_shape);
    const Tensor selected(core::eq(positions, index).to(g[0].dtype()));  // the input's shape
    return {mul(reshape(g[0], kept_shape), selected)};
  }
  void release_saved() override { indices.reset(); }
};

ValuesIndices extreme(const Tensor& x, std::int64_t dim, bool keepdim, bool is_max) {
  core::ValuesIndices r =
      is_max ? core::max(x.data(), dim, keepdim) : core::min(x.data(), dim, keepdim);
  ValuesIndices out{make_result(std::move(r.values)), Tensor(std::move(r.indices))};
  Shape positions_shape = Shape::filled(x.dim(), 1);
  if (x.dim() > 0) {
    const int d = wrap_dim(dim, x.dim(), is_max ? "max" : "min");
    positions_shape[d] = x.size(d);
  }
  if (auto node =
          record<MaxBackward>({x}, {out.values}, is_max ? "MaxBackward" : "MinBackward",
                              positions_shape, core::reduced_shape(x.shape(), DimList{dim}, true)))
    node->indices = SavedTensor(out.indices, false);
  return out;
}

}  // namespace

ValuesIndices max(const Tensor& x, std::int64_t dim, bool keepdim) {
  check_input(x, "max", "x");
  return extreme(x, dim, keepdim, true);
}
ValuesIndices min(const Tensor& x, std::int64_t dim, bool keepdim) {
  check_input(x, "min", "x");
  return extreme(x, dim, keepdim, false);
}
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) {
  check_input(x, "argmax", "x");
  return Tensor(core::argmax(x.data(), dim, keepdim));
}

}  // namespace liandan
