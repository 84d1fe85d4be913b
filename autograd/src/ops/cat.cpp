// cat, and stack composed of it. The gradient of cat is the matching slice of g for each input
// (slice is differentiable, so double backward closes through slice_scatter).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/join.hpp"

namespace liandan {
namespace {

struct CatBackward final : Node {
  CatBackward(int dim, std::vector<std::int64_t> sizes)
      : Node("CatBackward"), dim(dim), sizes(std::move(sizes)) {}
  int dim;                          // wrapped
  std::vector<std::int64_t> sizes;  // of each input along dim
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    std::vector<Tensor> grads(sizes.size());
    std::int64_t at = 0;
    for (std::size_t i = 0; i < sizes.size(); at += sizes[i++])
      if (needs_input_grad(i)) grads[i] = slice(g[0], dim, at, at + sizes[i]);
    return grads;
  }
};

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  std::vector<core::Tensor> data;
  data.reserve(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    check_input(tensors[i], "cat", fmt::format("tensors[{}]", i).c_str());
    data.push_back(tensors[i].data());
  }
  Tensor out = make_result(core::cat(data, dim));  // checks shapes, dtypes and dim
  if (needs_grad(tensors)) {
    const int d = wrap_dim(dim, out.dim(), "cat");
    std::vector<std::int64_t> sizes;
    for (const Tensor& t : tensors) sizes.push_back(t.size(d));
    record<CatBackward>(tensors, {out}, d, std::move(sizes));
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  check(!tensors.empty(), "stack: expected a non-empty list of tensors");
  for (std::size_t i = 0; i < tensors.size(); ++i)
    check_input(tensors[i], "stack", fmt::format("tensors[{}]", i).c_str());
  for (std::size_t i = 1; i < tensors.size(); ++i)
    check(tensors[i].shape() == tensors[0].shape(),
          "stack: tensor {} has shape {} but tensor 0 has {} (shapes must match)", i,
          tensors[i].shape(), tensors[0].shape());
  const int d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> pieces;
  pieces.reserve(tensors.size());
  for (const Tensor& t : tensors) pieces.push_back(unsqueeze(t, d));
  return cat(pieces, d);
}

}  // namespace liandan
