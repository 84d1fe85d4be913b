// gather and its adjoint scatter_add. gather(x, dim, i) = G x reads x at i[p] along dim for
// every position p of the index; scatter_add(x, dim, i, src) = x + G^T src adds src[p] there.
// The gradient of each is the other, so both are differentiable to any order. The index (i64)
// takes no gradient and is saved (version-checked) in the node.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/indexing.hpp"

namespace liandan {
namespace {

// y = G x: d/dx = G^T g = scatter_add(0, dim, index, g).
struct GatherBackward final : Node {
  GatherBackward(Shape input_shape, std::int64_t dim, const Tensor& index)
      : Node("GatherBackward"), input_shape(input_shape), dim(dim), index(index, false) {}
  Shape input_shape;
  std::int64_t dim;
  SavedTensor index;  // i64, the shape of the output
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor zero = zeros(input_shape, {.dtype = g[0].dtype()});
    return {scatter_add(zero, dim, index.unpack(*this), g[0])};
  }
  void release_saved() override { index.reset(); }
};

// y = x + G^T src: d/dx = g, d/dsrc = G g = gather(g, dim, index). src may be larger than
// the index on any dim; its elements outside the index's extent are unused (zero gradient).
struct ScatterAddBackward final : Node {
  ScatterAddBackward(Shape src_shape, std::int64_t dim, const Tensor& index)
      : Node("ScatterAddBackward"), src_shape(src_shape), dim(dim), index(index, false) {}
  Shape src_shape;
  std::int64_t dim;
  SavedTensor index;  // i64, fits inside src
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    Tensor gsrc;
    if (needs_input_grad(1)) {
      gsrc = gather(g[0], dim, index.unpack(*this));
      // Pad with zeros up to src's shape, one dim at a time (slice_scatter is differentiable).
      for (int k = 0; k < gsrc.dim(); ++k) {
        if (gsrc.size(k) == src_shape[k]) continue;
        Shape s = gsrc.shape();
        s[k] = src_shape[k];
        gsrc = slice_scatter(gsrc, s, k, 0, gsrc.size(k));
      }
    }
    return {needs_input_grad(0) ? g[0] : Tensor(), gsrc};
  }
  void release_saved() override { index.reset(); }
};

}  // namespace

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  check_input(x, "gather", "x");
  check_input(index, "gather", "index");
  Tensor out = make_result(core::gather(x.data(), dim, index.data()));
  record<GatherBackward>({x}, {out}, x.shape(), dim, index);
  return out;
}

Tensor scatter_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src) {
  check_input(x, "scatter_add", "x");
  check_input(index, "scatter_add", "index");
  check_input(src, "scatter_add", "src");
  Tensor out = make_result(core::scatter_add(x.data(), dim, index.data(), src.data()));
  record<ScatterAddBackward>({x, src}, {out}, src.shape(), dim, index);
  return out;
}

}  // namespace liandan
