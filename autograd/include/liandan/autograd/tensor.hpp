// liandan::Tensor: the differentiable tensor users write models with. It wraps a core::Tensor
// (the data) and, when it takes part in a graph, its autograd state: requires_grad, the node
// that produced it (grad_fn), its accumulated .grad, hooks. A handle: copies share state.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "liandan/core/reduce.hpp"
#include "liandan/core/tensor.hpp"

namespace liandan {

using core::DimList;

class Node;
class Tensor;
struct TensorImpl;

// A gradient hook: gets the gradient, returns a replacement or an undefined Tensor to keep it.
using GradHook = std::function<Tensor(const Tensor&)>;

struct TensorOptions {
  DType dtype = DType::f32;
  bool requires_grad = false;
};

class Tensor {
 public:
  Tensor() = default;
  // A leaf wrapping data (shared, not copied).
  explicit Tensor(core::Tensor data, bool requires_grad = false);

  // ---- data and metadata
  bool defined() const { return impl_ != nullptr; }
  // These are errors on an undefined Tensor, naming the method.
  const core::Tensor& data() const { return checked("data"); }
  DType dtype() const { return checked("dtype").dtype(); }
  const Shape& shape() const { return checked("shape").shape(); }
  int dim() const { return checked("dim").dim(); }
  std::int64_t size(std::int64_t d) const { return checked("size").size(d); }
  std::int64_t numel() const { return checked("numel").numel(); }
  double item() const { return checked("item").item(); }
  template <typename T>
  std::vector<T> to_vector() const {
    return checked("to_vector").to_vector<T>();
  }
  std::string str() const;

  // ---- autograd state
  bool requires_grad() const;
  // Marks a leaf as requiring grad (or not); an error on a non-leaf.
  const Tensor& requires_grad_(bool requires_grad = true) const;
  bool is_leaf() const;
  const std::shared_ptr<Node>& grad_fn() const;
  std::uint32_t output_nr() const;
  // The accumulated gradient of a leaf (or of a non-leaf after retain_grad()); undefined if none.
  Tensor grad() const;
  void set_grad(const Tensor& grad) const;
  // Clears .grad: set_to_none drops it, otherwise zeroes it in place.
  void zero_grad(bool set_to_none = true) const;
  void retain_grad() const;
  bool retains_grad() const;
  void register_hook(GradHook hook) const;
  // A new leaf sharing this data, outside any graph.
  Tensor detach() const;
  // This tensor in another dtype, differentiable (the gradient comes back in this dtype); itself
  // when it already has that dtype. Binary ops do not promote: a.to(b.dtype()) + b.
  Tensor to(DType dtype) const;

  // ---- ops as methods, as on PyTorch's Tensor (x.flatten(1), x.sum({-1}, true)): each calls
  // the free op of the same name in ops.hpp, so gradients, checks and errors are that op's.
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor flatten(std::int64_t start = 0, std::int64_t end = -1) const;
  Tensor permute(const Dims& dims) const;
  Tensor transpose(std::int64_t d0, std::int64_t d1) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor expand(const Shape& shape) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor sum(const DimList& dims = {}, bool keepdim = false) const;
  Tensor mean(const DimList& dims = {}, bool keepdim = false) const;
  Tensor amax(const DimList& dims = {}, bool keepdim = false) const;
  Tensor amin(const DimList& dims = {}, bool keepdim = false) const;
  Tensor var(const DimList& dims = {}, double correction = 1, bool keepdim = false) const;
  Tensor std(const DimList& dims = {}, double correction = 1, bool keepdim = false) const;
  Tensor norm(double p = 2, const DimList& dims = {}, bool keepdim = false) const;
  Tensor argmax(std::int64_t dim, bool keepdim = false) const;
  Tensor softmax(std::int64_t dim) const;
  Tensor log_softmax(std::int64_t dim) const;
  Tensor matmul(const Tensor& other) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor abs() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor pow(double exponent) const;
  Tensor clamp(double min, double max) const;

  // Backpropagates from this tensor; grad defaults to 1 for a one-element tensor.
  void backward(const Tensor& grad = {}, bool retain_graph = false,
                bool create_graph = false) const;

  // Identity of the shared state (for maps keyed by tensor, and tests).
  const TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  static Tensor from_impl(std::shared_ptr<TensorImpl> impl) {
    Tensor t;
    t.impl_ = std::move(impl);
    return t;
  }

 private:
  const core::Tensor& checked(const char* method) const;

  std::shared_ptr<TensorImpl> impl_;
};

// The autograd state behind a Tensor handle.
struct TensorImpl {
  core::Tensor data;
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;     // null for leaves
  std::uint32_t output_nr = 0;       // which output of grad_fn this is
  std::weak_ptr<Node> accumulator;   // leaves: their AccumulateGrad node, while a graph uses it
  std::shared_ptr<TensorImpl> grad;  // leaves (and retain_grad): accumulated gradient
  std::vector<GradHook> hooks;       // leaves: applied before accumulation
  bool retains_grad = false;
  bool is_view_of_grad_tensor = false;  // a differentiable view: in place on it is refused

  ~TensorImpl();
};

// ---- factories (PyTorch's torch.zeros(..., dtype=, requires_grad=))
Tensor zeros(const Shape& shape, const TensorOptions& options = {});
Tensor ones(const Shape& shape, const TensorOptions& options = {});
Tensor full(const Shape& shape, double value, const TensorOptions& options = {});
Tensor scalar(double value, const TensorOptions& options = {});
Tensor arange(double start, double end, double step = 1, const TensorOptions& options = {});
Tensor rand(const Shape& shape, const TensorOptions& options = {});
Tensor randn(const Shape& shape, const TensorOptions& options = {});
template <typename T>
Tensor tensor(std::initializer_list<T> values, const Shape& shape, bool requires_grad = false) {
  return Tensor(core::Tensor::from(values, shape), requires_grad);
}
template <typename T>
Tensor tensor(const std::vector<T>& values, const Shape& shape, bool requires_grad = false) {
  return Tensor(core::Tensor::from(std::span<const T>(values), shape), requires_grad);
}

}  // namespace liandan

template <>
struct fmt::formatter<liandan::Tensor> : fmt::formatter<std::string> {
  auto format(const liandan::Tensor& t, format_context& ctx) const {
    return fmt::formatter<std::string>::format(t.str(), ctx);
  }
};
