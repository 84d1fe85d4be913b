// In-place ops: add_, mul_, copy_, zero_, fill_.
//
// Note [In-place ops]: every in-place op bumps the storage's version counter, so a tensor
// saved for backward and modified afterwards is caught when backward unpacks it. With grad
// mode on, an in-place op on a tensor in a graph rebases its history: the tensor's grad_fn
// becomes the in-place op's node, whose edges lead to the old history. Refused with grad mode
// on: a leaf that requires grad (its .grad would lose the old value's contribution), and a
// view of a tensor that requires grad (the base's history would not see the change). With
// grad mode off (optimizer steps, initialisation) all of them are allowed. Destinations and
// inputs that overlap in memory are refused by core (Note [In-place overlap], overlap.hpp).
#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

void check_inplace(const Tensor& self, const char* op) {
  if (!GradMode::enabled()) return;
  check(!(self.is_leaf() && self.requires_grad()),
        "{}: a leaf tensor of shape {} that requires grad cannot be modified in place while grad "
        "mode is on (use NoGradGuard, or modify a clone)",
        op, self.shape());
  check(!self.impl()->is_view_of_grad_tensor,
        "{}: a view (shape {}) of a tensor that requires grad cannot be modified in place; use "
        "the out-of-place op",
        op, self.shape());
}

// d/dself_old = g * self_scale, d/dother = g * other_scale (either may be a saved tensor).
struct InplaceBackward final : Node {
  InplaceBackward(std::string name, double alpha) : Node(std::move(name)), alpha(alpha) {}
  double alpha;              // add_: the scale of other
  SavedTensor self_factor;   // mul_: other (the factor of the old self)
  SavedTensor other_factor;  // mul_: the old self (the factor of other)
  bool zero_self = false;    // copy_, fill_: the old value does not reach the result
  DType other_dtype = DType::f32;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    Tensor g_self, g_other;
    if (needs_input_grad(0) && !zero_self)
      g_self = self_factor.defined() ? mul(g[0], self_factor.unpack(*this)) : g[0];
    if (needs_input_grad(1)) {
      g_other = other_factor.defined() ? mul(g[0], other_factor.unpack(*this))
                                       : (alpha == 1 ? g[0] : mul(g[0], alpha));
      g_other = to(g_other, other_dtype);
    }
    std::vector<Tensor> grads{g_self, g_other};
    grads.resize(next_edges().size());  // fill_ has no `other`
    return grads;
  }
  void release_saved() override { self_factor.reset(), other_factor.reset(); }
};

}  // namespace

void add_(const Tensor& self, const Tensor& other, double alpha) {
  check_input(self, "add_", "self");
  check_input(other, "add_", "other");
  check_inplace(self, "add_");
  core::add_(self.data(), other.data(), alpha);
  if (auto node = record<InplaceBackward>({self, other}, {self}, "AddInplaceBackward", alpha))
    node->other_dtype = other.dtype();
}

void mul_(const Tensor& self, const Tensor& other) {
  check_input(self, "mul_", "self");
  check_input(other, "mul_", "other");
  check_inplace(self, "mul_");
  const bool grad = needs_grad({&self, &other});
  const Tensor old_self = grad && other.requires_grad() ? Tensor(self.data().clone()) : Tensor();
  core::mul_(self.data(), other.data());
  if (auto node = record<InplaceBackward>({self, other}, {self}, "MulInplaceBackward", 1.0)) {
    node->other_dtype = other.dtype();
    if (self.requires_grad()) node->self_factor = SavedTensor(other, false);
    if (old_self.defined()) node->other_factor = SavedTensor(old_self, false);
  }
}

void mul_(const Tensor& self, double value) {
  mul_(self, Tensor(core::Tensor::scalar(value, self.dtype())));
}

void copy_(const Tensor& self, const Tensor& src) {
  check_input(self, "copy_", "self");
  check_input(src, "copy_", "src");
  check_inplace(self, "copy_");
  self.data().copy_(src.data());
  if (auto node = record<InplaceBackward>({self, src}, {self}, "CopyBackward", 1.0)) {
    node->zero_self = true;
    node->other_dtype = src.dtype();
  }
}

void fill_(const Tensor& self, double value) {
  check_input(self, "fill_", "self");
  check_inplace(self, "fill_");
  self.data().fill_(value);
  if (auto node = record<InplaceBackward>({self}, {self}, "FillBackward", 1.0))
    node->zero_self = true;
}

void zero_(const Tensor& self) { fill_(self, 0); }

}  // namespace liandan
