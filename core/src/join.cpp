// Joining and splitting along a dim (cat, stack, split, chunk) and triangular masks (tril, triu).
#include "liandan/core/join.hpp"

#include <algorithm>

#include "liandan/core/parallel.hpp"

namespace liandan::core {
namespace {

// Every tensor must have tensors[0]'s dtype and rank, and its sizes on all dims except skip
// (skip = -1: on all dims).
void check_pieces(const char* op, const std::vector<Tensor>& tensors, int skip) {
  check(!tensors.empty(), "{}: expected a non-empty list of tensors", op);
  const Tensor& first = tensors[0];
  for (std::size_t i = 1; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    check(t.dtype() == first.dtype(), "{}: tensor {} is {} but tensor 0 is {} (dtypes must match)",
          op, i, t.dtype(), first.dtype());
    bool same = t.dim() == first.dim();
    for (int k = 0; same && k < t.dim(); ++k) same = k == skip || t.size(k) == first.size(k);
    if (!same)
      throw Error(fmt::format("{}: tensor {} has shape {} but tensor 0 has {} ({})", op, i,
                              t.shape(), first.shape(),
                              skip < 0 ? std::string("shapes must match")
                                       : fmt::format("dims other than {} must match", skip)));
  }
}

// The wrapped dim to split x along; x needs at least one dim.
int split_dim(const char* op, const Tensor& x, std::int64_t dim) {
  check(x.dim() > 0, "{}: cannot split a 0-dim tensor", op);
  return wrap_dim(dim, x.dim(), op);
}

// Keeps x[..., r, c] where c - r <= k (lower) or c - r >= k (upper), zeros elsewhere.
Tensor triangle(const char* op, const Tensor& x, std::int64_t k, bool lower) {
  check(x.dim() >= 2, "{}: expected a tensor with at least 2 dims, got shape {}", op, x.shape());
  const std::int64_t rows = x.size(-2), cols = x.size(-1);
  k = std::clamp(k, -rows - 1, cols + 1);  // same mask, no overflow below
  const Tensor c = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  if (x.numel() == 0) return out;
  dispatch_all(x.dtype(), [&]<typename T>() {
    const T* const src = c.data<T>();
    T* const dst = out.data<T>();
    parallel_for(x.numel() / cols, cols, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t row = begin; row < end; ++row) {
        // columns below split form the lower part, the rest the upper part
        const std::int64_t split = std::clamp<std::int64_t>(row % rows + k + lower, 0, cols);
        const T* const s = src + row * cols;
        T* const o = dst + row * cols;
        for (std::int64_t j = 0; j < cols; ++j) o[j] = (j < split) == lower ? s[j] : T(0);
      }
    });
  });
  return out;
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  check(!tensors.empty(), "cat: expected a non-empty list of tensors");
  check(tensors[0].dim() > 0, "cat: cannot concatenate 0-dim tensors (tensor 0 has shape {})",
        tensors[0].shape());
  const int d = wrap_dim(dim, tensors[0].dim(), "cat");
  check_pieces("cat", tensors, d);
  Shape shape = tensors[0].shape();
  shape[d] = 0;
  for (const Tensor& t : tensors) shape[d] += t.size(d);
  Tensor out = Tensor::empty(shape, tensors[0].dtype());
  std::int64_t at = 0;
  for (const Tensor& t : tensors) {
    out.narrow(d, at, t.size(d)).copy_(t);
    at += t.size(d);
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  check_pieces("stack", tensors, -1);
  const int d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> pieces;
  pieces.reserve(tensors.size());
  for (const Tensor& t : tensors) pieces.push_back(t.unsqueeze(d));
  return cat(pieces, d);
}

std::vector<Tensor> split(const Tensor& x, std::int64_t split_size, std::int64_t dim) {
  const int d = split_dim("split", x, dim);
  const std::int64_t n = x.size(d);
  check(split_size > 0 || (split_size == 0 && n == 0),
        "split: split_size must be positive, got {} (dim {} of shape {})", split_size, d,
        x.shape());
  std::vector<std::int64_t> sizes;
  for (std::int64_t at = 0; at < n; at += split_size) sizes.push_back(std::min(split_size, n - at));
  if (sizes.empty()) sizes.push_back(0);  // as PyTorch: one empty piece
  return split(x, sizes, d);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes,
                          std::int64_t dim) {
  const int d = split_dim("split", x, dim);
  std::int64_t total = 0;
  for (std::int64_t s : sizes) {
    check(s >= 0, "split: negative size in [{}]", fmt::join(sizes, ","));
    total += s;
  }
  check(total == x.size(d), "split: sizes [{}] sum to {} but dim {} of shape {} has size {}",
        fmt::join(sizes, ","), total, d, x.shape(), x.size(d));
  std::vector<Tensor> pieces;
  pieces.reserve(sizes.size());
  std::int64_t at = 0;
  for (std::int64_t s : sizes) {
    pieces.push_back(x.narrow(d, at, s));
    at += s;
  }
  return pieces;
}

std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim) {
  const int d = split_dim("chunk", x, dim);
  check(chunks > 0, "chunk: chunks must be positive, got {} (shape {})", chunks, x.shape());
  const std::int64_t n = x.size(d);
  // As torch.chunk: an empty dim still gives `chunks` (empty) pieces.
  if (n == 0) return split(x, std::vector<std::int64_t>(chunks, 0), d);
  return split(x, (n + chunks - 1) / chunks, d);
}

Tensor tril(const Tensor& x, std::int64_t k) { return triangle("tril", x, k, true); }
Tensor triu(const Tensor& x, std::int64_t k) { return triangle("triu", x, k, false); }

}  // namespace liandan::core
