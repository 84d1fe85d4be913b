// Index ops: embedding, index_select, index_add, gather, scatter_add, one_hot. All but one_hot
// run on one strided kernel in two modes, gather and scatter-add (Note [Gather and scatter]).
#include "liandan/core/indexing.hpp"

#include <algorithm>
#include <array>

#include "elementwise_loop.hpp"

namespace liandan::core {
namespace {

// Note [Gather and scatter]
// For every position p of the index's shape,
//   gather       direct[p] = indexed[p with coordinate dim replaced by index[p]]
//   scatter_add  indexed[p with coordinate dim replaced by index[p]] += direct[p].
// The indexed operand gets stride 0 on dim (the index value supplies that offset), so the walk
// is the elementwise row loop over three strided operands (direct, index, indexed): any strides
// work without copies. Scatter writes collide only along dim, so scatter takes dim out of the
// parallel walk and loops over it serially inside each row: every output element receives its
// contributions in index order on one thread, bit-identical for any thread count. index_select
// and index_add are gather and scatter with the 1-D index spread (stride 0) over the other dims;
// embedding is index_select of rows.

enum class Mode { gather, scatter_add };

template <Mode mode, typename T>
void index_kernel(const Tensor& direct, const Tensor& indexed, int dim, const Tensor& index) {
  Shape shape = index.shape();
  std::array<Strides, 3> strides{direct.strides(), index.strides(), indexed.strides()};
  const std::int64_t indexed_stride = strides[2][dim];
  strides[2][dim] = 0;
  std::int64_t serial = 1;             // length of the serial loop over dim (scatter only)
  std::array<std::int64_t, 3> step{};  // operand strides along that loop
  if constexpr (mode == Mode::scatter_add) {
    serial = shape[dim];
    for (int k = 0; k < 3; ++k) step[k] = strides[k][dim];
    shape[dim] = 1;
  }
  if (shape.numel() == 0 || serial == 0) return;
  T* const dp = direct.data<T>();
  T* const xp = indexed.data<T>();
  const std::int64_t* const ip = index.data<std::int64_t>();
  // A row: n positions of the walk (offsets off, strides st), times the serial loop.
  const auto row = [&](std::int64_t n, const std::array<std::int64_t, 3>& off,
                       const std::array<std::int64_t, 3>& st) {
    for (std::int64_t j = 0; j < serial; ++j) {
      T* const d = dp + off[0] + j * step[0];
      const std::int64_t* const i = ip + off[1] + j * step[1];
      T* const x = xp + off[2];
      for (std::int64_t k = 0; k < n; ++k) {
        T& target = x[k * st[2] + i[k * st[1]] * indexed_stride];
        if constexpr (mode == Mode::gather) {
          d[k * st[0]] = target;
        } else {
          target += d[k * st[0]];
        }
      }
    }
  };
  detail::for_each_row(detail::coalesce(shape, strides), serial, row);
}

// x with a wrapped dim; index ops need at least one dim.
int checked_dim(const char* op, const Tensor& x, std::int64_t dim) {
  check(x.dim() > 0, "{}: expected a tensor with at least one dim, got shape {}", op, x.shape());
  return wrap_dim(dim, x.dim(), op);
}

void check_i64(const char* op, const Tensor& index) {
  check(index.dtype() == DType::i64, "{}: index must be i64, got {} (index shape {})", op,
        index.dtype(), index.shape());
}

// Every index value must lie in [0, size) where size = input.size(dim).
void check_range(const char* op, const Tensor& index, int dim, const Shape& input) {
  check_i64(op, index);
  const Tensor c = index.contiguous();
  const std::int64_t* const p = c.data<std::int64_t>();
  const std::int64_t n = input[dim];
  const std::int64_t* const bad =
      std::find_if(p, p + c.numel(), [n](std::int64_t v) { return v < 0 || v >= n; });
  if (bad != p + c.numel())
    throw Error(fmt::format(
        "{}: index {} out of range for dim {} of size {} (input shape {}, index shape {})", op,
        *bad, dim, n, input, index.shape()));
}

// index must have t's rank and fit inside t on every dim except skip.
void check_fits(const char* op, const Tensor& index, const Tensor& t, const char* name, int skip) {
  check(index.dim() == t.dim(), "{}: index shape {} and {} shape {} differ in rank", op,
        index.shape(), name, t.shape());
  for (int k = 0; k < t.dim(); ++k)
    check(k == skip || index.size(k) <= t.size(k),
          "{}: index shape {} exceeds {} shape {} at dim {}", op, index.shape(), name, t.shape(),
          k);
}

// The 1-D index as a (stride-0) view of shape, varying along dim only.
Tensor spread(const Tensor& index, const Shape& shape, int dim) {
  Shape s = Shape::filled(shape.size(), 1);
  s[dim] = index.numel();
  return index.reshape(s).expand(shape);
}

Tensor run_gather(const Tensor& x, int dim, const Tensor& index) {
  Tensor out = Tensor::empty(index.shape(), x.dtype());
  dispatch_all(x.dtype(), [&]<typename T>() { index_kernel<Mode::gather, T>(out, x, dim, index); });
  return out;
}

Tensor run_scatter_add(const char* op, const Tensor& x, int dim, const Tensor& index,
                       const Tensor& src) {
  check(src.dtype() == x.dtype(), "{}: src is {} but input is {} (shapes {} and {})", op,
        src.dtype(), x.dtype(), src.shape(), x.shape());
  Tensor out = x.clone();
  dispatch_numeric(x.dtype(), op,
                   [&]<typename T>() { index_kernel<Mode::scatter_add, T>(src, out, dim, index); });
  return out;
}

// index_select without the checks: the rows index picks along dim.
Tensor run_index_select(const Tensor& x, int dim, const Tensor& index) {
  Shape s = x.shape();
  s[dim] = index.numel();
  return run_gather(x, dim, spread(index, s, dim));
}

void check_1d(const char* op, const Tensor& index) {
  check(index.dim() <= 1, "{}: index must be 1-D, got shape {}", op, index.shape());
}

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& indices) {
  check(weight.dim() == 2, "embedding: weight must be 2-D (V, D), got shape {}", weight.shape());
  check_range("embedding", indices, 0, weight.shape());
  Shape s = indices.shape();
  s.push_back(weight.size(1));
  return run_index_select(weight, 0, indices.reshape({-1})).view(s);  // (..., D)
}

Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  const int d = checked_dim("index_select", x, dim);
  check_1d("index_select", index);
  check_range("index_select", index, d, x.shape());
  return run_index_select(x, d, index);
}

Tensor index_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src) {
  const int d = checked_dim("index_add", x, dim);
  check_1d("index_add", index);
  Shape s = x.shape();
  s[d] = index.numel();
  check(src.shape() == s,
        "index_add: src shape {} must be {} (input shape {} with dim {} of size {}, one per index)",
        src.shape(), s, x.shape(), d, index.numel());
  check_range("index_add", index, d, x.shape());
  return run_scatter_add("index_add", x, d, spread(index, s, d), src);
}

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  const int d = checked_dim("gather", x, dim);
  check_fits("gather", index, x, "input", d);
  check_range("gather", index, d, x.shape());
  return run_gather(x, d, index);
}

Tensor scatter_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src) {
  const int d = checked_dim("scatter_add", x, dim);
  check_fits("scatter_add", index, x, "input", d);
  check_fits("scatter_add", index, src, "src", -1);
  check_range("scatter_add", index, d, x.shape());
  return run_scatter_add("scatter_add", x, d, index, src);
}

Tensor one_hot(const Tensor& indices, std::int64_t num_classes) {
  check_i64("one_hot", indices);
  check(num_classes >= -1, "one_hot: num_classes must be -1 (infer) or >= 0, got {}", num_classes);
  const Tensor c = indices.contiguous();
  const std::int64_t* const p = c.data<std::int64_t>();
  const std::int64_t n = c.numel();
  if (num_classes == -1) {
    check(n > 0, "one_hot: cannot infer num_classes from empty indices of shape {}",
          indices.shape());
    num_classes = *std::max_element(p, p + n) + 1;
  }
  const std::int64_t* const bad =
      std::find_if(p, p + n, [&](std::int64_t v) { return v < 0 || v >= num_classes; });
  if (bad != p + n)
    throw Error(fmt::format("one_hot: index {} out of range for {} classes (indices shape {})",
                            *bad, num_classes, indices.shape()));
  Shape s = indices.shape();
  s.push_back(num_classes);
  Tensor out = Tensor::zeros(s, DType::i64);  // (..., num_classes)
  std::int64_t* const o = out.data<std::int64_t>();
  parallel_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) o[i * num_classes + p[i]] = 1;
  });
  return out;
}

}  // namespace liandan::core
