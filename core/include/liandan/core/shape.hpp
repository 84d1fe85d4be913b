// Shape and strides: a small inline vector of at most kMaxDims int64 (no heap per tensor).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <numeric>
#include <span>
#include <string>

#include "liandan/core/error.hpp"

namespace liandan {

inline constexpr int kMaxDims = 8;

class Dims {
 public:
  Dims() = default;
  Dims(std::initializer_list<std::int64_t> values)
      : Dims(std::span(values.begin(), values.size())) {}
  explicit Dims(std::span<const std::int64_t> values) {
    check(values.size() <= kMaxDims, "shape: {} dims exceed the maximum of {}", values.size(),
          kMaxDims);
    size_ = static_cast<int>(values.size());
    std::copy(values.begin(), values.end(), data_.begin());
  }
  static Dims filled(int n, std::int64_t value) {
    Dims d;
    d.resize(n, value);
    return d;
  }

  int size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::int64_t& operator[](int i) { return data_[i]; }
  std::int64_t operator[](int i) const { return data_[i]; }
  std::int64_t& back() { return data_[size_ - 1]; }
  std::int64_t back() const { return data_[size_ - 1]; }
  const std::int64_t* begin() const { return data_.data(); }
  const std::int64_t* end() const { return data_.data() + size_; }
  std::int64_t* begin() { return data_.data(); }
  std::int64_t* end() { return data_.data() + size_; }
  std::span<const std::int64_t> span() const { return {data_.data(), static_cast<size_t>(size_)}; }

  void push_back(std::int64_t v) {
    check(size_ < kMaxDims, "shape: more than {} dims", kMaxDims);
    data_[size_++] = v;
  }
  void insert(int pos, std::int64_t v) {
    check(size_ < kMaxDims, "shape: more than {} dims", kMaxDims);
    std::copy_backward(data_.begin() + pos, data_.begin() + size_, data_.begin() + size_ + 1);
    data_[pos] = v;
    ++size_;
  }
  void erase(int pos) {
    std::copy(data_.begin() + pos + 1, data_.begin() + size_, data_.begin() + pos);
    --size_;
  }
  void resize(int n, std::int64_t fill = 0) {
    check(n <= kMaxDims, "shape: {} dims exceed the maximum of {}", n, kMaxDims);
    for (int i = size_; i < n; ++i) data_[i] = fill;
    size_ = n;
  }

  std::int64_t numel() const {
    return std::accumulate(begin(), end(), std::int64_t(1), std::multiplies<>());
  }
  friend bool operator==(const Dims& a, const Dims& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  std::string str() const { return fmt::format("[{}]", fmt::join(begin(), end(), ",")); }

 private:
  std::array<std::int64_t, kMaxDims> data_{};
  int size_ = 0;
};

using Shape = Dims;
using Strides = Dims;
namespace core {
// A 2-D (height, width) setting of convolution and pooling: kernel, stride, padding, dilation.
using Pair = std::array<std::int64_t, 2>;
}  // namespace core

// Row-major (C-contiguous) strides of a shape, in elements.
inline Strides contiguous_strides(const Shape& shape) {
  Strides s = Strides::filled(shape.size(), 1);
  for (int i = shape.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * std::max<std::int64_t>(shape[i + 1], 1);
  return s;
}

// Wraps a possibly negative dim into [0, ndim); names the op in the error.
inline int wrap_dim(std::int64_t dim, int ndim, const char* op) {
  const int n = std::max(ndim, 1);
  check(dim >= -n && dim < n, "{}: dim {} out of range for a tensor of {} dims", op, dim, ndim);
  return static_cast<int>(dim < 0 ? dim + n : dim);
}

// NumPy broadcasting of two shapes; the error names the op and both shapes.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int n = std::max(a.size(), b.size());
  Shape out = Shape::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    const int ia = a.size() - n + i, ib = b.size() - n + i;
    const std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    check(da == db || da == 1 || db == 1,
          "{}: shapes {} and {} do not broadcast (dim {}: {} vs {})", op, a.str(), b.str(), i, da,
          db);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace liandan

template <>
struct fmt::formatter<liandan::Dims> : fmt::formatter<std::string> {
  auto format(const liandan::Dims& d, format_context& ctx) const {
    return fmt::formatter<std::string>::format(d.str(), ctx);
  }
};
