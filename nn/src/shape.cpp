// Flatten and Unflatten.
#include "liandan/nn/shape.hpp"

#include <algorithm>

#include "liandan/autograd/ops.hpp"
#include "repr.hpp"

namespace liandan::nn {

Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_dim, end_dim); }

std::string Flatten::extra_repr() const {
  return fmt::format("start_dim={}, end_dim={}", start_dim, end_dim);
}

Unflatten::Unflatten(std::int64_t dim, const Shape& unflattened_size)
    : dim(dim), unflattened_size(unflattened_size) {
  check(!unflattened_size.empty() &&
            std::count(unflattened_size.begin(), unflattened_size.end(), -1) <= 1 &&
            std::all_of(unflattened_size.begin(), unflattened_size.end(),
                        [](std::int64_t s) { return s >= 0 || s == -1; }),
        "Unflatten: unflattened_size {} must be non-empty sizes with at most one -1",
        unflattened_size);
}

Tensor Unflatten::forward(const Tensor& x) {
  const std::int64_t d = dim < 0 ? dim + x.dim() : dim;
  check(d >= 0 && d < x.dim(), "Unflatten: dim {} out of range for input {}", dim, x.shape());
  std::int64_t known = 1;
  for (std::int64_t s : unflattened_size) known *= s == -1 ? 1 : s;
  const bool inferred = std::count(unflattened_size.begin(), unflattened_size.end(), -1) > 0;
  check(inferred ? known > 0 && x.size(d) % known == 0 : known == x.size(d),
        "Unflatten: unflattened_size {} does not fit dim {} of size {} (input {})",
        unflattened_size, dim, x.size(d), x.shape());
  Shape s;
  for (int i = 0; i < x.dim(); ++i) {
    if (i != d) {
      s.push_back(x.size(i));
      continue;
    }
    for (std::int64_t u : unflattened_size) s.push_back(u == -1 ? x.size(d) / known : u);
  }
  return reshape(x, s);
}

std::string Unflatten::extra_repr() const {
  return fmt::format("dim={}, unflattened_size={}", dim, repr::tuple(unflattened_size));
}

}  // namespace liandan::nn
