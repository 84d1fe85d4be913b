// index_select and its adjoint index_add. index_select(x, dim, i) = S x picks rows i[k] of x
// along dim; index_add(x, dim, i, src) = x + S^T src adds row k of src into row i[k]. The
// gradient of each is the other (S and S^T), so both are differentiable to any order. The
// index (i64) takes no gradient and is saved (version-checked) in the node.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/indexing.hpp"

namespace liandan {
namespace {

// y = S x: d/dx = S^T g = index_add(0, dim, index, g).
struct IndexSelectBackward final : Node {
  IndexSelectBackward(Shape input_shape, std::int64_t dim, const Tensor& index)
      : Node("IndexSelectBackward"), input_shape(input_shape), dim(dim), index(index, false) {}
  Shape input_shape;
  std::int64_t dim;
  SavedTensor index;  // (K) i64
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor zero = zeros(input_shape, {.dtype = g[0].dtype()});
    return {index_add(zero, dim, index.unpack(*this), g[0])};
  }
  void release_saved() override { index.reset(); }
};

// y = x + S^T src: d/dx = g, d/dsrc = S g = index_select(g, dim, index).
struct IndexAddBackward final : Node {
  IndexAddBackward(std::int64_t dim, const Tensor& index)
      : Node("IndexAddBackward"), dim(dim), index(index, false) {}
  std::int64_t dim;
  SavedTensor index;  // (K) i64
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {needs_input_grad(0) ? g[0] : Tensor(),
            needs_input_grad(1) ? index_select(g[0], dim, index.unpack(*this)) : Tensor()};
  }
  void release_saved() override { index.reset(); }
};

}  // namespace

Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  check_input(x, "index_select", "x");
  check_input(index, "index_select", "index");
  Tensor out = make_result(core::index_select(x.data(), dim, index.data()));
  record<IndexSelectBackward>({x}, {out}, x.shape(), dim, index);
  return out;
}

Tensor index_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src) {
  check_input(x, "index_add", "x");
  check_input(index, "index_add", "index");
  check_input(src, "index_add", "src");
  Tensor out = make_result(core::index_add(x.data(), dim, index.data(), src.data()));
  record<IndexAddBackward>({x, src}, {out}, dim, index);
  return out;
}

}  // namespace liandan
