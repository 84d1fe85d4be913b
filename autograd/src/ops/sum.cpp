// sum over dims: the gradient is g broadcast back to the input's shape.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct SumBackward final : Node {
  SumBackward(Shape input_shape, Shape kept_shape)
      : Node("SumBackward"), input_shape(input_shape), kept_shape(kept_shape) {}
  Shape input_shape, kept_shape;  // kept_shape: the result with reduced dims as 1
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {expand(reshape(g[0], kept_shape), input_shape)};
  }
};

}  // namespace

Tensor sum(const Tensor& x, const DimList& dims, bool keepdim) {
  check_input(x, "sum", "x");
  Tensor out = make_result(core::sum(x.data(), dims, keepdim));
  record<SumBackward>({x}, {out}, x.shape(), core::reduced_shape(x.shape(), dims, true));
  return out;
}

}  // namespace liandan
