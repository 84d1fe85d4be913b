// rope: y = R x, a rotation of each interleaved feature pair by its position's angle
// (core::rope). R is orthogonal, so d/dx = R^T g = the inverse rotation of g: the same op with
// -sin. The backward is that op itself, so every higher derivative closes on it too.
#include "liandan/core/rope.hpp"

#include "liandan/autograd/attention.hpp"
#include "liandan/autograd/node.hpp"

namespace liandan {
namespace {

struct RopeBackward final : Node {
  RopeBackward(core::Tensor cos, core::Tensor sin, bool inverse)
      : Node("RopeBackward"), cos(std::move(cos)), sin(std::move(sin)), inverse(inverse) {}
  core::Tensor cos, sin;  // (T, D / 2), constants
  bool inverse;           // of the forward
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {rope(g[0], cos, sin, !inverse)};
  }
};

}  // namespace

Tensor rope(const Tensor& x, const core::Tensor& cos, const core::Tensor& sin, bool inverse) {
  check_input(x, "rope", "x");
  Tensor out = make_result(core::rope(x.data(), cos, sin, inverse));
  record<RopeBackward>({x}, {out}, cos, sin, inverse);
  return out;
}

}  // namespace liandan
