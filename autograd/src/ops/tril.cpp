// tril and triu: masks of the last two dims, linear and self-adjoint (y = M * x with a 0/1
// mask M), so the gradient is the same mask applied to g: tril(g, k) / triu(g, k).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/join.hpp"

namespace liandan {
namespace {

struct TrilBackward final : Node {
  explicit TrilBackward(std::int64_t k) : Node("TrilBackward"), k(k) {}
  std::int64_t k;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override { return {tril(g[0], k)}; }
};

struct TriuBackward final : Node {
  explicit TriuBackward(std::int64_t k) : Node("TriuBackward"), k(k) {}
  std::int64_t k;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override { return {triu(g[0], k)}; }
};

}  // namespace

Tensor tril(const Tensor& x, std::int64_t k) {
  check_input(x, "tril", "x");
  Tensor out = make_result(core::tril(x.data(), k));
  record<TrilBackward>({x}, {out}, k);
  return out;
}

Tensor triu(const Tensor& x, std::int64_t k) {
  check_input(x, "triu", "x");
  Tensor out = make_result(core::triu(x.data(), k));
  record<TriuBackward>({x}, {out}, k);
  return out;
}

}  // namespace liandan
