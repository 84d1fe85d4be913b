// Views composed of reshape: squeeze, unsqueeze, flatten.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {

Tensor squeeze(const Tensor& x, std::int64_t dim) {
  check_input(x, "squeeze", "x");
  return reshape(x, x.data().squeeze(dim).shape());
}

Tensor unsqueeze(const Tensor& x, std::int64_t dim) {
  check_input(x, "unsqueeze", "x");
  return reshape(x, x.data().unsqueeze(dim).shape());
}

Tensor flatten(const Tensor& x, std::int64_t start, std::int64_t end) {
  check_input(x, "flatten", "x");
  if (x.dim() == 0) return reshape(x, Shape{1});
  const int a = wrap_dim(start, x.dim(), "flatten"), b = wrap_dim(end, x.dim(), "flatten");
  check(a <= b, "flatten: start dim {} after end dim {}", a, b);
  Shape s;
  for (int i = 0; i < a; ++i) s.push_back(x.size(i));
  s.push_back(-1);
  for (int i = b + 1; i < x.dim(); ++i) s.push_back(x.size(i));
  return reshape(x, x.numel() == 0 ? x.data().flatten(a, b).shape() : s);
}

}  // namespace liandan
