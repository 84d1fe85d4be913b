// split and chunk: composites of narrow, so the pieces are views and their gradients come
// from slice. The piece sizes follow core (and torch.split / torch.chunk).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/join.hpp"

namespace liandan {
namespace {

// x narrowed to the pieces core cut (core checks the arguments).
std::vector<Tensor> narrow_like(const Tensor& x, const std::vector<core::Tensor>& pieces,
                                std::int64_t dim) {
  const int d = wrap_dim(dim, x.dim(), "split");
  std::vector<Tensor> out;
  out.reserve(pieces.size());
  std::int64_t at = 0;
  for (const core::Tensor& p : pieces) {
    out.push_back(narrow(x, d, at, p.size(d)));
    at += p.size(d);
  }
  return out;
}

}  // namespace

std::vector<Tensor> split(const Tensor& x, std::int64_t split_size, std::int64_t dim) {
  check_input(x, "split", "x");
  return narrow_like(x, core::split(x.data(), split_size, dim), dim);
}

std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim) {
  check_input(x, "chunk", "x");
  return narrow_like(x, core::chunk(x.data(), chunks, dim), dim);
}

}  // namespace liandan
