// reshape / view: the gradient is reshaped back to the input's shape.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "view_marking.hpp"

namespace liandan {
namespace {

struct ReshapeBackward final : Node {
  explicit ReshapeBackward(Shape input_shape) : Node("ReshapeBackward"), input_shape(input_shape) {}
  Shape input_shape;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {reshape(g[0], input_shape)};
  }
};

Tensor record_reshape(const Tensor& x, core::Tensor data) {
  const bool is_view = data.storage() == x.data().storage();
  Tensor out = make_result(std::move(data));
  record<ReshapeBackward>({x}, {out}, x.shape());
  return is_view ? mark_view(out, x) : out;
}

}  // namespace

Tensor view(const Tensor& x, const Shape& shape) {
  check_input(x, "view", "x");
  return record_reshape(x, x.data().view(shape));
}
Tensor reshape(const Tensor& x, const Shape& shape) {
  check_input(x, "reshape", "x");
  if (x.shape() == shape) return x;
  return record_reshape(x, x.data().reshape(shape));
}

}  // namespace liandan
