// Memory overlap checks for in-place ops (Note [In-place overlap] in overlap.hpp). The common
// cases are decided from the strides alone; only views of one storage whose element ranges
// interleave are checked element by element.
#include "liandan/core/overlap.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace liandan::core {
namespace {

// The storage offset of every element of (shape, strides) from offset, in row-major order.
std::vector<std::int64_t> element_offsets(const Shape& shape, const Strides& strides,
                                          std::int64_t offset) {
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(shape.numel()));
  if (shape.numel() == 0) return out;
  std::vector<std::int64_t> index(shape.size(), 0);
  std::int64_t at = offset;
  for (;;) {
    out.push_back(at);
    int d = shape.size() - 1;
    for (; d >= 0; --d) {
      if (++index[d] < shape[d]) {
        at += strides[d];
        break;
      }
      at -= (shape[d] - 1) * strides[d];
      index[d] = 0;
    }
    if (d < 0) return out;
  }
}

// The lowest and highest element offsets of (shape, strides) from offset.
std::pair<std::int64_t, std::int64_t> extent(const Shape& shape, const Strides& strides,
                                             std::int64_t offset) {
  std::int64_t lo = offset, hi = offset;
  for (int i = 0; i < shape.size(); ++i) {
    const std::int64_t span = (shape[i] - 1) * strides[i];
    (span < 0 ? lo : hi) += span;
  }
  return {lo, hi};
}

// t's strides for t broadcast to shape (0 along broadcast dims).
Strides broadcast_strides(const Tensor& t, const Shape& shape) {
  Strides s = Strides::filled(shape.size(), 0);
  const int lead = shape.size() - t.dim();
  for (int i = 0; i < t.dim(); ++i) s[lead + i] = t.size(i) == 1 ? 0 : t.stride(i);
  return s;
}

}  // namespace

bool has_internal_overlap(const Tensor& t) {
  if (t.numel() <= 1 || t.is_contiguous()) return false;
  // Sufficient for no overlap: sorted by |stride|, each stride exceeds the span of the
  // smaller ones (true for every view of a contiguous tensor but an expand).
  std::vector<std::pair<std::int64_t, std::int64_t>> dims;  // (|stride|, size)
  for (int i = 0; i < t.dim(); ++i) {
    if (t.size(i) == 1) continue;
    if (t.stride(i) == 0) return true;
    dims.emplace_back(std::llabs(t.stride(i)), t.size(i));
  }
  std::sort(dims.begin(), dims.end());
  std::int64_t span = 0;
  bool separated = true;
  for (const auto& [stride, size] : dims) {
    separated = separated && stride > span;
    span += (size - 1) * stride;
  }
  if (separated) return false;
  std::vector<std::int64_t> offsets = element_offsets(t.shape(), t.strides(), t.offset());
  std::sort(offsets.begin(), offsets.end());
  return std::adjacent_find(offsets.begin(), offsets.end()) != offsets.end();
}

void check_no_internal_overlap(const Tensor& self, const char* op) {
  check(!has_internal_overlap(self),
        "{}: unsupported operation: more than one element of the written-to tensor (shape {}, "
        "strides {}) refers to a single memory location (an expand() or an overlapping view); "
        "clone() it first",
        op, self.shape(), self.strides());
}

void check_no_partial_overlap(const Tensor& self, const Tensor& input, const char* op) {
  if (self.storage() != input.storage() || self.numel() == 0 || input.numel() == 0) return;
  if (input.offset() == self.offset() && input.shape() == self.shape() &&
      input.strides() == self.strides())
    return;  // element for element: x.add_(x)
  const auto [s_lo, s_hi] = extent(self.shape(), self.strides(), self.offset());
  const auto [i_lo, i_hi] = extent(input.shape(), input.strides(), input.offset());
  if (i_hi < s_lo || s_hi < i_lo) return;  // disjoint address ranges
  // Interleaved ranges: an input element may live where self writes another element.
  const Strides in_strides = broadcast_strides(input, self.shape());
  const std::vector<std::int64_t> out =
      element_offsets(self.shape(), self.strides(), self.offset());
  const std::vector<std::int64_t> in = element_offsets(self.shape(), in_strides, input.offset());
  std::vector<std::int64_t> written = out;
  std::sort(written.begin(), written.end());
  for (std::size_t k = 0; k < in.size(); ++k) {
    check(in[k] == out[k] || !std::binary_search(written.begin(), written.end(), in[k]),
          "{}: unsupported operation: some elements of the input tensor (shape {}, strides {}) "
          "and the written-to tensor (shape {}, strides {}) refer to a single memory location; "
          "clone() the input first",
          op, input.shape(), input.strides(), self.shape(), self.strides());
  }
}

}  // namespace liandan::core
