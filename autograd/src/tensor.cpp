// liandan::Tensor: autograd state, factories, backward entry point.
#include "liandan/autograd/tensor.hpp"

#include "accumulate_grad.hpp"
#include "liandan/autograd/engine.hpp"
#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/random.hpp"

namespace liandan {

Tensor::Tensor(core::Tensor data, bool requires_grad) : impl_(std::make_shared<TensorImpl>()) {
  check(data.defined(), "Tensor: undefined data");
  check(!requires_grad || is_floating(data.dtype()),
        "Tensor: only floating tensors can require grad, got {} {}", data.shape(), data.dtype());
  impl_->data = std::move(data);
  impl_->requires_grad = requires_grad;
}

const core::Tensor& Tensor::checked(const char* method) const {
  check(defined(),
        "Tensor::{}(): undefined tensor (an empty Tensor(): e.g. .grad() before a backward "
        "reached it, or an optional argument left out)",
        method);
  return impl_->data;
}

std::string Tensor::str() const {
  if (!defined()) return "Tensor(undefined)";
  std::string s = impl_->data.str();
  if (impl_->grad_fn) {
    s.insert(s.size() - 1, ", grad_fn=" + impl_->grad_fn->name());
  } else if (impl_->requires_grad) {
    s.insert(s.size() - 1, ", requires_grad");
  }
  return s;
}

bool Tensor::requires_grad() const { return defined() && impl_->requires_grad; }

const Tensor& Tensor::requires_grad_(bool requires_grad) const {
  check(is_leaf(),
        "requires_grad_: only leaves can change requires_grad; use detach() on a "
        "result of {} (shape {})",
        impl_->grad_fn ? impl_->grad_fn->name() : "?", shape());
  check(!requires_grad || is_floating(dtype()),
        "requires_grad_: only floating tensors can require grad, got {} {}", shape(), dtype());
  impl_->requires_grad = requires_grad;
  return *this;
}

bool Tensor::is_leaf() const { return !defined() || impl_->grad_fn == nullptr; }

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<Node> none;
  return defined() ? impl_->grad_fn : none;
}

std::uint32_t Tensor::output_nr() const { return defined() ? impl_->output_nr : 0; }

Tensor Tensor::grad() const { return defined() && impl_->grad ? from_impl(impl_->grad) : Tensor(); }

void Tensor::set_grad(const Tensor& grad) const {
  check(!grad.defined() || grad.shape() == shape(),
        "set_grad: gradient of shape {} for a tensor of shape {}",
        grad.defined() ? grad.shape() : Shape{}, shape());
  impl_->grad = grad.impl_;
}

void Tensor::zero_grad(bool set_to_none) const {
  if (!impl_->grad) return;
  if (set_to_none) {
    impl_->grad.reset();
  } else {
    impl_->grad->data.zero_();
  }
}

void Tensor::retain_grad() const {
  check(requires_grad(), "retain_grad: tensor of shape {} does not require grad", shape());
  if (is_leaf() || impl_->retains_grad) return;
  impl_->retains_grad = true;
  std::weak_ptr<TensorImpl> weak = impl_;
  impl_->grad_fn->add_pre_hook(impl_->output_nr, [weak](const Tensor& g) {
    if (auto impl = weak.lock()) accumulate_grad(*impl, g, /*may_take=*/false);
    return Tensor();
  });
}

bool Tensor::retains_grad() const { return defined() && impl_->retains_grad; }

void Tensor::register_hook(GradHook hook) const {
  check(requires_grad(), "register_hook: tensor of shape {} does not require grad", shape());
  if (is_leaf()) {
    impl_->hooks.push_back(std::move(hook));
  } else {
    impl_->grad_fn->add_pre_hook(impl_->output_nr, std::move(hook));
  }
}

Tensor Tensor::detach() const { return Tensor(data(), false); }

Tensor Tensor::to(DType dtype) const { return liandan::to(*this, dtype); }

Tensor Tensor::view(const Shape& shape) const { return liandan::view(*this, shape); }
Tensor Tensor::reshape(const Shape& shape) const { return liandan::reshape(*this, shape); }
Tensor Tensor::flatten(std::int64_t start, std::int64_t end) const {
  return liandan::flatten(*this, start, end);
}
Tensor Tensor::permute(const Dims& dims) const { return liandan::permute(*this, dims); }
Tensor Tensor::transpose(std::int64_t d0, std::int64_t d1) const {
  return liandan::transpose(*this, d0, d1);
}
Tensor Tensor::unsqueeze(std::int64_t dim) const { return liandan::unsqueeze(*this, dim); }
Tensor Tensor::squeeze(std::int64_t dim) const { return liandan::squeeze(*this, dim); }
Tensor Tensor::expand(const Shape& shape) const { return liandan::expand(*this, shape); }
Tensor Tensor::narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const {
  return liandan::narrow(*this, dim, start, length);
}
Tensor Tensor::select(std::int64_t dim, std::int64_t index) const {
  return liandan::select(*this, dim, index);
}
Tensor Tensor::contiguous() const { return liandan::contiguous(*this); }
Tensor Tensor::clone() const { return liandan::clone(*this); }
Tensor Tensor::sum(const DimList& dims, bool keepdim) const {
  return liandan::sum(*this, dims, keepdim);
}
Tensor Tensor::mean(const DimList& dims, bool keepdim) const {
  return liandan::mean(*this, dims, keepdim);
}
Tensor Tensor::amax(const DimList& dims, bool keepdim) const {
  return liandan::amax(*this, dims, keepdim);
}
Tensor Tensor::amin(const DimList& dims, bool keepdim) const {
  return liandan::amin(*this, dims, keepdim);
}
Tensor Tensor::var(const DimList& dims, double correction, bool keepdim) const {
  return liandan::var(*this, dims, correction, keepdim);
}
Tensor Tensor::std(const DimList& dims, double correction, bool keepdim) const {
  return liandan::std(*this, dims, correction, keepdim);
}
Tensor Tensor::norm(double p, const DimList& dims, bool keepdim) const {
  return liandan::norm(*this, p, dims, keepdim);
}
Tensor Tensor::argmax(std::int64_t dim, bool keepdim) const {
  return liandan::argmax(*this, dim, keepdim);
}
Tensor Tensor::softmax(std::int64_t dim) const { return liandan::softmax(*this, dim); }
Tensor Tensor::log_softmax(std::int64_t dim) const { return liandan::log_softmax(*this, dim); }
Tensor Tensor::matmul(const Tensor& other) const { return liandan::matmul(*this, other); }
Tensor Tensor::exp() const { return liandan::exp(*this); }
Tensor Tensor::log() const { return liandan::log(*this); }
Tensor Tensor::sqrt() const { return liandan::sqrt(*this); }
Tensor Tensor::rsqrt() const { return liandan::rsqrt(*this); }
Tensor Tensor::abs() const { return liandan::abs(*this); }
Tensor Tensor::tanh() const { return liandan::tanh(*this); }
Tensor Tensor::sigmoid() const { return liandan::sigmoid(*this); }
Tensor Tensor::relu() const { return liandan::relu(*this); }
Tensor Tensor::pow(double exponent) const { return liandan::pow(*this, exponent); }
Tensor Tensor::clamp(double min, double max) const { return liandan::clamp(*this, min, max); }

void Tensor::backward(const Tensor& grad, bool retain_graph, bool create_graph) const {
  autograd::backward({*this}, grad.defined() ? std::vector<Tensor>{grad} : std::vector<Tensor>{},
                     retain_graph, create_graph);
}

// ---- factories

Tensor zeros(const Shape& shape, const TensorOptions& o) {
  return Tensor(core::Tensor::zeros(shape, o.dtype), o.requires_grad);
}
Tensor ones(const Shape& shape, const TensorOptions& o) {
  return Tensor(core::Tensor::ones(shape, o.dtype), o.requires_grad);
}
Tensor full(const Shape& shape, double value, const TensorOptions& o) {
  return Tensor(core::Tensor::full(shape, value, o.dtype), o.requires_grad);
}
Tensor scalar(double value, const TensorOptions& o) {
  return Tensor(core::Tensor::scalar(value, o.dtype), o.requires_grad);
}
Tensor arange(double start, double end, double step, const TensorOptions& o) {
  return Tensor(core::Tensor::arange(start, end, step, o.dtype), o.requires_grad);
}
Tensor rand(const Shape& shape, const TensorOptions& o) {
  return Tensor(core::uniform(shape, 0, 1, o.dtype), o.requires_grad);
}
Tensor randn(const Shape& shape, const TensorOptions& o) {
  return Tensor(core::normal(shape, 0, 1, o.dtype), o.requires_grad);
}

}  // namespace liandan
