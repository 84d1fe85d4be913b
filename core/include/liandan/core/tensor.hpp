// core::Tensor: a strided view (shape, strides, offset, dtype) of a shared Storage. Views are
// zero-copy; they share storage, and with it the version counter. No autograd here: the
// differentiable liandan::Tensor of autograd/ wraps this type.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "liandan/core/dtype.hpp"
#include "liandan/core/shape.hpp"
#include "liandan/core/storage.hpp"

namespace liandan::core {

class Tensor {
 public:
  Tensor() = default;

  // ---- factories
  static Tensor empty(const Shape& shape, DType dtype = DType::f32);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32);
  static Tensor ones(const Shape& shape, DType dtype = DType::f32);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
  static Tensor scalar(double value, DType dtype = DType::f32);  // 0-dim
  static Tensor arange(double start, double end, double step = 1, DType dtype = DType::f32);
  // Copies values into a new tensor of the given shape (numel must match).
  template <typename T>
  static Tensor from(std::span<const T> values, const Shape& shape);
  template <typename T>
  static Tensor from(std::initializer_list<T> values, const Shape& shape) {
    return from(std::span<const T>(values.begin(), values.size()), shape);
  }
  // A view of existing storage; checks that every element lies inside it.
  static Tensor as_strided(std::shared_ptr<Storage> storage, const Shape& shape,
                           const Strides& strides, std::int64_t offset, DType dtype);

  // ---- metadata
  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Strides& strides() const { return strides_; }
  std::int64_t offset() const { return offset_; }
  int dim() const { return shape_.size(); }
  std::int64_t size(std::int64_t d) const;
  std::int64_t stride(std::int64_t d) const;
  std::int64_t numel() const { return shape_.numel(); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  std::uint64_t version() const { return storage_->version(); }
  void bump_version() const { storage_->bump_version(); }

  // ---- element access; data<T>() checks the dtype and points at the first element
  template <typename T>
  T* data() const;
  void* raw_data() const;
  double item() const;  // one element, converted to double
  template <typename T>
  T item() const;
  template <typename T>
  std::vector<T> to_vector() const;  // logical (row-major) order

  // ---- zero-copy views
  Tensor view(const Shape& shape) const;     // one -1 is inferred; fails when strides forbid
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a contiguous copy
  bool can_view(const Shape& shape) const;   // whether view(shape) works without a copy
  Tensor permute(std::span<const std::int64_t> dims) const;
  Tensor permute(std::initializer_list<std::int64_t> dims) const {
    return permute(std::span(dims.begin(), dims.size()));
  }
  Tensor transpose(std::int64_t d0, std::int64_t d1) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  // Python slicing semantics on one dim: negative bounds wrap, out-of-range bounds clamp.
  Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;  // removes dim
  Tensor expand(const Shape& shape) const;  // -1 keeps a size; new leading dims allowed
  Tensor squeeze() const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor flatten(std::int64_t start = 0, std::int64_t end = -1) const;

  // ---- copies
  Tensor contiguous() const;  // itself when already contiguous
  Tensor clone() const;       // always a fresh contiguous copy
  Tensor to(DType dtype) const;
  // In place: copies src (broadcast to this shape, converted to this dtype) into this view.
  void copy_(const Tensor& src) const;
  void fill_(double value) const;
  void zero_() const { fill_(0); }

  std::string str() const;  // shape, dtype and (abridged) values

 private:
  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Strides strides_;
  std::int64_t offset_ = 0;
  DType dtype_ = DType::f32;
};

// Sets the number of OpenMP threads used by our kernels and by oneDNN.
void set_num_threads(int n);
int num_threads();

}  // namespace liandan::core

template <>
struct fmt::formatter<liandan::core::Tensor> : fmt::formatter<std::string> {
  auto format(const liandan::core::Tensor& t, format_context& ctx) const {
    return fmt::formatter<std::string>::format(t.str(), ctx);
  }
};
