// core::Tensor: factories, metadata, zero-copy views and copies.
#include "liandan/core/tensor.hpp"

#include <omp.h>
#include <dnnl.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "elementwise_loop.hpp"
#include "liandan/core/overlap.hpp"

namespace liandan::core {

// ---- factories

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  for (std::int64_t s : shape) check(s >= 0, "empty: negative size in shape {}", shape);
  auto storage = std::make_shared<Storage>(shape.numel() * element_size(dtype));
  return as_strided(std::move(storage), shape, contiguous_strides(shape), 0, dtype);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) { return full(shape, 0, dtype); }
Tensor Tensor::ones(const Shape& shape, DType dtype) { return full(shape, 1, dtype); }

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  t.fill_(value);
  return t;
}

Tensor Tensor::scalar(double value, DType dtype) { return full(Shape{}, value, dtype); }

Tensor Tensor::arange(double start, double end, double step, DType dtype) {
  check(step != 0, "arange: step must be non-zero");
  const auto n = static_cast<std::int64_t>(std::max(0.0, std::ceil((end - start) / step)));
  Tensor t = empty(Shape{n}, dtype);
  dispatch_numeric(dtype, "arange", [&]<typename T>() {
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i)
      p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return t;
}

template <typename T>
Tensor Tensor::from(std::span<const T> values, const Shape& shape) {
  check(static_cast<std::int64_t>(values.size()) == shape.numel(),
        "from: {} values do not fill shape {} ({} elements)", values.size(), shape, shape.numel());
  Tensor t = empty(shape, dtype_of<T>());
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}
template Tensor Tensor::from<float>(std::span<const float>, const Shape&);
template Tensor Tensor::from<double>(std::span<const double>, const Shape&);
template Tensor Tensor::from<std::int64_t>(std::span<const std::int64_t>, const Shape&);
template Tensor Tensor::from<bool>(std::span<const bool>, const Shape&);

Tensor Tensor::as_strided(std::shared_ptr<Storage> storage, const Shape& shape,
                          const Strides& strides, std::int64_t offset, DType dtype) {
  check(shape.size() == strides.size(), "as_strided: shape {} and strides {} differ in rank", shape,
        strides);
  if (shape.numel() > 0) {
    std::int64_t lo = offset, hi = offset;
    for (int i = 0; i < shape.size(); ++i) {
      const std::int64_t span = (shape[i] - 1) * strides[i];
      (span < 0 ? lo : hi) += span;
    }
    const auto capacity = static_cast<std::int64_t>(storage->nbytes() / element_size(dtype));
    check(lo >= 0 && hi < capacity,
          "as_strided: shape {} strides {} offset {} reach outside a storage of {} elements", shape,
          strides, offset, capacity);
  }
  Tensor t;
  t.storage_ = std::move(storage);
  t.shape_ = shape;
  t.strides_ = strides;
  t.offset_ = offset;
  t.dtype_ = dtype;
  return t;
}

// ---- metadata and element access

std::int64_t Tensor::size(std::int64_t d) const { return shape_[wrap_dim(d, dim(), "size")]; }
std::int64_t Tensor::stride(std::int64_t d) const { return strides_[wrap_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  std::int64_t expected = 1;
  for (int i = dim() - 1; i >= 0; --i) {
    if (shape_[i] == 1) continue;
    if (strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

template <typename T>
T* Tensor::data() const {
  check(defined(), "data: undefined tensor");
  check(dtype_ == dtype_of<T>(), "data: tensor is {}, requested {}", dtype_, dtype_of<T>());
  return static_cast<T*>(storage_->data()) + offset_;
}
template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;
template std::int64_t* Tensor::data<std::int64_t>() const;
template bool* Tensor::data<bool>() const;

void* Tensor::raw_data() const {
  return static_cast<char*>(storage_->data()) + offset_ * element_size(dtype_);
}

template <typename T>
T Tensor::item() const {
  check(numel() == 1, "item: tensor of shape {} has {} elements, not 1", shape_, numel());
  return dispatch_all(dtype_, [&]<typename S>() { return static_cast<T>(*data<S>()); });
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template std::int64_t Tensor::item<std::int64_t>() const;
template bool Tensor::item<bool>() const;

double Tensor::item() const { return item<double>(); }

template <typename T>
std::vector<T> Tensor::to_vector() const {
  const Tensor c = to(dtype_of<T>()).contiguous();
  const T* p = c.data<T>();
  return std::vector<T>(p, p + c.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;
template std::vector<bool> Tensor::to_vector<bool>() const;

// ---- views

namespace {

// Replaces one -1 in shape by the size that makes numel match; names the op on mismatch.
Shape infer_size(const Shape& shape, std::int64_t numel, const Shape& from, const char* op) {
  Shape out = shape;
  int infer = -1;
  std::int64_t known = 1;
  for (int i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      check(infer < 0, "{}: shape {} has more than one -1", op, shape);
      infer = i;
    } else {
      check(out[i] >= 0, "{}: invalid size {} in shape {}", op, out[i], shape);
      known *= out[i];
    }
  }
  if (infer >= 0) {
    check(known != 0 && numel % known == 0, "{}: shape {} is invalid for input of shape {}", op,
          shape, from);
    out[infer] = numel / known;
  }
  check(out.numel() == numel, "{}: shape {} is invalid for input of shape {} ({} elements)", op,
        shape, from, numel);
  return out;
}

// Strides for viewing (shape, strides) as new_shape without a copy, if possible
// (the algorithm of PyTorch's computeStride: split the old dims into contiguous chunks).
bool view_strides(const Shape& shape, const Strides& strides, const Shape& new_shape,
                  Strides& out) {
  out = Strides::filled(new_shape.size(), 0);
  if (shape.numel() == 0 || shape.empty()) {
    out = contiguous_strides(new_shape);
    return true;
  }
  int view_d = new_shape.size() - 1;
  std::int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  std::int64_t tensor_numel = 1, view_numel = 1;
  for (int d = shape.size() - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  const Shape s = infer_size(shape, numel(), shape_, "view");
  Strides st;
  check(view_strides(shape_, strides_, s, st),
        "view: cannot view shape {} with strides {} as {} without a copy; use reshape", shape_,
        strides_, s);
  return as_strided(storage_, s, st, offset_, dtype_);
}

bool Tensor::can_view(const Shape& shape) const {
  Strides st;
  return view_strides(shape_, strides_, infer_size(shape, numel(), shape_, "view"), st);
}

Tensor Tensor::reshape(const Shape& shape) const {
  const Shape s = infer_size(shape, numel(), shape_, "reshape");
  Strides st;
  if (view_strides(shape_, strides_, s, st)) return as_strided(storage_, s, st, offset_, dtype_);
  return clone().view(s);
}

Tensor Tensor::permute(std::span<const std::int64_t> dims) const {
  check(static_cast<int>(dims.size()) == dim(), "permute: {} dims given for a tensor of shape {}",
        dims.size(), shape_);
  Shape s = shape_;
  Strides st = strides_;
  std::array<bool, kMaxDims> seen{};
  for (int i = 0; i < dim(); ++i) {
    const int d = wrap_dim(dims[i], dim(), "permute");
    check(!seen[d], "permute: dim {} repeated in [{}]", d, fmt::join(dims, ","));
    seen[d] = true;
    s[i] = shape_[d];
    st[i] = strides_[d];
  }
  return as_strided(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::transpose(std::int64_t d0, std::int64_t d1) const {
  const int a = wrap_dim(d0, dim(), "transpose"), b = wrap_dim(d1, dim(), "transpose");
  Shape s = shape_;
  Strides st = strides_;
  if (dim() > 0) {
    std::swap(s[a], s[b]);
    std::swap(st[a], st[b]);
  }
  return as_strided(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::narrow(std::int64_t d, std::int64_t start, std::int64_t length) const {
  const int k = wrap_dim(d, dim(), "narrow");
  check(dim() > 0, "narrow: cannot narrow a 0-dim tensor");
  if (start < 0) start += shape_[k];
  check(start >= 0 && length >= 0 && start + length <= shape_[k],
        "narrow: start {} length {} out of range for dim {} of size {} (shape {})", start, length,
        k, shape_[k], shape_);
  Shape s = shape_;
  s[k] = length;
  return as_strided(storage_, s, strides_, offset_ + start * strides_[k], dtype_);
}

Tensor Tensor::slice(std::int64_t d, std::int64_t start, std::int64_t end,
                     std::int64_t step) const {
  check(dim() > 0, "slice: cannot slice a 0-dim tensor");
  const int k = wrap_dim(d, dim(), "slice");
  check(step > 0, "slice: step must be positive, got {}", step);
  const std::int64_t n = shape_[k];
  auto clamp_bound = [n](std::int64_t v) {
    return std::clamp(v < 0 ? v + n : v, std::int64_t{0}, n);
  };
  start = clamp_bound(start);
  end = std::max(clamp_bound(end), start);
  Shape s = shape_;
  Strides st = strides_;
  s[k] = (end - start + step - 1) / step;
  st[k] *= step;
  return as_strided(storage_, s, st, offset_ + start * strides_[k], dtype_);
}

Tensor Tensor::select(std::int64_t d, std::int64_t index) const {
  check(dim() > 0, "select: cannot select from a 0-dim tensor");
  const int k = wrap_dim(d, dim(), "select");
  const std::int64_t i = index < 0 ? index + shape_[k] : index;
  check(i >= 0 && i < shape_[k], "select: index {} out of range for dim {} of size {} (shape {})",
        index, k, shape_[k], shape_);
  Shape s = shape_;
  Strides st = strides_;
  s.erase(k);
  st.erase(k);
  return as_strided(storage_, s, st, offset_ + i * strides_[k], dtype_);
}

Tensor Tensor::expand(const Shape& shape) const {
  check(shape.size() >= dim(), "expand: cannot expand shape {} to fewer dims {}", shape_, shape);
  Shape s = shape;
  Strides st = Strides::filled(shape.size(), 0);
  const int lead = shape.size() - dim();
  for (int i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      check(shape[i] >= 0, "expand: size -1 not allowed in new leading dim {} of {}", i, shape);
      continue;
    }
    const std::int64_t have = shape_[i - lead];
    if (s[i] == -1) s[i] = have;
    check(have == s[i] || have == 1, "expand: shape {} cannot expand to {} (dim {}: {} vs {})",
          shape_, shape, i, have, s[i]);
    st[i] = have == s[i] ? strides_[i - lead] : 0;
  }
  return as_strided(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::squeeze() const {
  Shape s;
  Strides st;
  for (int i = 0; i < dim(); ++i)
    if (shape_[i] != 1) s.push_back(shape_[i]), st.push_back(strides_[i]);
  return as_strided(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::squeeze(std::int64_t d) const {
  if (dim() == 0) return *this;
  const int k = wrap_dim(d, dim(), "squeeze");
  if (shape_[k] != 1) return *this;
  Shape s = shape_;
  Strides st = strides_;
  s.erase(k);
  st.erase(k);
  return as_strided(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::unsqueeze(std::int64_t d) const {
  const int k = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape s = shape_;
  Strides st = strides_;
  const std::int64_t stride = k < dim() ? shape_[k] * strides_[k] : 1;
  s.insert(k, 1);
  st.insert(k, stride);
  return as_strided(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::flatten(std::int64_t start, std::int64_t end) const {
  if (dim() == 0) return reshape(Shape{1});
  const int a = wrap_dim(start, dim(), "flatten"), b = wrap_dim(end, dim(), "flatten");
  check(a <= b, "flatten: start dim {} after end dim {}", a, b);
  Shape s;
  for (int i = 0; i < a; ++i) s.push_back(shape_[i]);
  std::int64_t n = 1;
  for (int i = a; i <= b; ++i) n *= shape_[i];
  s.push_back(n);
  for (int i = b + 1; i < dim(); ++i) s.push_back(shape_[i]);
  return reshape(s);
}

// ---- copies

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::clone() const {
  Tensor out = empty(shape_, dtype_);
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out = empty(shape_, dtype);
  out.copy_(*this);
  return out;
}

void Tensor::copy_(const Tensor& src) const {
  check(defined() && src.defined(), "copy_: undefined tensor");
  const Shape b = broadcast_shapes(shape_, src.shape(), "copy_");
  check(b == shape_, "copy_: source of shape {} does not broadcast to destination shape {}",
        src.shape(), shape_);
  check_no_internal_overlap(*this, "copy_");  // Note [In-place overlap]
  check_no_partial_overlap(*this, src, "copy_");
  dispatch_all(dtype_, [&]<typename Out>() {
    dispatch_all(src.dtype(), [&]<typename In>() {
      detail::elementwise<Out, In>(*this, [](In v) { return static_cast<Out>(v); }, {src});
    });
  });
  bump_version();
}

// One value everywhere, nothing read: allowed on an expand (Note [In-place overlap]).
void Tensor::fill_(double value) const {
  dispatch_all(dtype_, [&]<typename T>() {
    const T v = static_cast<T>(value);
    detail::elementwise<T>(*this, [v]() { return v; }, {});
  });
  bump_version();
}

std::string Tensor::str() const {
  if (!defined()) return "Tensor(undefined)";
  std::string values;
  const std::int64_t n = numel(), shown = std::min<std::int64_t>(n, 12);
  const Tensor flat = reshape(Shape{n}).to(DType::f64).contiguous();
  for (std::int64_t i = 0; i < shown; ++i)
    values += fmt::format("{}{:.6g}", i ? ", " : "", flat.data<double>()[i]);
  if (n > shown) values += ", ...";
  return fmt::format("Tensor({} {} [{}])", shape_, dtype_, values);
}

void set_num_threads(int n) {
  check(n >= 1, "set_num_threads: need at least one thread, got {}", n);
  omp_set_num_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

}  // namespace liandan::core
