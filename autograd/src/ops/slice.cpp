// slice and its adjoint slice_scatter (zeros with src written into the slice): each one's
// gradient is the other, so slicing is differentiable to any order.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "view_marking.hpp"

namespace liandan {
namespace {

struct SliceArgs {
  std::int64_t dim, start, end, step;
};

struct SliceBackward final : Node {
  SliceBackward(Shape input_shape, SliceArgs a)
      : Node("SliceBackward"), input_shape(input_shape), a(a) {}
  Shape input_shape;
  SliceArgs a;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {slice_scatter(g[0], input_shape, a.dim, a.start, a.end, a.step)};
  }
};

struct SliceScatterBackward final : Node {
  explicit SliceScatterBackward(SliceArgs a) : Node("SliceScatterBackward"), a(a) {}
  SliceArgs a;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {slice(g[0], a.dim, a.start, a.end, a.step)};
  }
};

}  // namespace

Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end,
             std::int64_t step) {
  check_input(x, "slice", "x");
  Tensor out = make_result(x.data().slice(dim, start, end, step));
  record<SliceBackward>({x}, {out}, x.shape(), SliceArgs{dim, start, end, step});
  return mark_view(out, x);
}

Tensor slice_scatter(const Tensor& src, const Shape& shape, std::int64_t dim, std::int64_t start,
                     std::int64_t end, std::int64_t step) {
  check_input(src, "slice_scatter", "src");
  core::Tensor data = core::Tensor::zeros(shape, src.dtype());
  const core::Tensor window = data.slice(dim, start, end, step);
  check(window.shape() == src.shape(),
        "slice_scatter: source of shape {} does not fit slice {} of {}", src.shape(),
        window.shape(), shape);
  window.copy_(src.data());
  Tensor out = make_result(data);
  record<SliceScatterBackward>({src}, {out}, SliceArgs{dim, start, end, step});
  return out;
}

Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length) {
  check_input(x, "narrow", "x");
  check(x.dim() > 0, "narrow: cannot narrow a 0-dim tensor");
  const std::int64_t size = x.size(dim);
  if (start < 0) start += size;
  check(start >= 0 && length >= 0 && start + length <= size,
        "narrow: start {} length {} out of range for dim {} of size {} (shape {})", start, length,
        dim, size, x.shape());
  return slice(x, dim, start, start + length);
}

Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index) {
  check_input(x, "select", "x");
  check(x.dim() > 0, "select: cannot select from a 0-dim tensor");
  const std::int64_t size = x.size(dim);
  const std::int64_t i = index < 0 ? index + size : index;
  check(i >= 0 && i < size, "select: index {} out of range for dim {} of size {} (shape {})", index,
        dim, size, x.shape());
  return squeeze(slice(x, dim, i, i + 1), dim);
}

}  // namespace liandan
