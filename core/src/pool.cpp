// 2-D max and average pooling with their backward kernels, as PyTorch (floor mode, no dilation).
//
// Dims legend: N batch, C channels, (H, W) input size, (R, S) kernel, (P, Q) output size.
// Note [Pooling loops]: both dtypes run the same direct loops, one (n, c) plane per iteration,
// so backward scatters stay inside a plane and results do not depend on the thread count. Max
// pooling sends the gradient to the first maximum of its window in row-major order (NaN counts
// as a maximum), as PyTorch; a loop makes that tie rule exact, which oneDNN does not promise.
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "liandan/core/parallel.hpp"
#include "liandan/core/pool.hpp"

namespace liandan::core {
namespace {

struct PoolGeom {
  std::int64_t N, C, H, W, R, S, P, Q;
  Pair stride, pad;
  bool count_include_pad;
  Shape y_shape() const { return {N, C, P, Q}; }
};

PoolGeom pool_geometry(const char* op, const Shape& xs, const Pool2dOptions& o) {
  check(xs.size() == 4, "{}: input must be 4-D (N, C, H, W), got shape {}", op, xs);
  check(xs[2] > 0 && xs[3] > 0, "{}: input {} has an empty spatial size", op, xs);
  const Pair stride = o.stride == Pair{0, 0} ? o.kernel : o.stride;
  check(o.kernel[0] >= 1 && o.kernel[1] >= 1 && stride[0] >= 1 && stride[1] >= 1,
        "{}: kernel {} and stride {} must be positive", op, o.kernel, stride);
  check(o.padding[0] >= 0 && o.padding[1] >= 0 && 2 * o.padding[0] <= o.kernel[0] &&
            2 * o.padding[1] <= o.kernel[1],
        "{}: padding {} must be non-negative and at most half the kernel {}", op, o.padding,
        o.kernel);
  check(xs[2] + 2 * o.padding[0] >= o.kernel[0] && xs[3] + 2 * o.padding[1] >= o.kernel[1],
        "{}: input {} is smaller than the kernel {} (padding {}): empty output", op, xs, o.kernel,
        o.padding);
  const std::int64_t P = (xs[2] + 2 * o.padding[0] - o.kernel[0]) / stride[0] + 1;
  const std::int64_t Q = (xs[3] + 2 * o.padding[1] - o.kernel[1]) / stride[1] + 1;
  return {.N = xs[0],
          .C = xs[1],
          .H = xs[2],
          .W = xs[3],
          .R = o.kernel[0],
          .S = o.kernel[1],
          .P = P,
          .Q = Q,
          .stride = stride,
          .pad = o.padding,
          .count_include_pad = o.count_include_pad};
}

void check_grad_out(const char* op, const Tensor& grad_out, const PoolGeom& g, const Shape& xs) {
  check(grad_out.shape() == g.y_shape(),
        "{}: grad_out shape {} does not match the output shape {} of input {}", op,
        grad_out.shape(), g.y_shape(), xs);
}

// The window of output (p, q), clipped to the input: rows [h0, h1), columns [w0, w1); and the
// divisor of average pooling.
struct Window {
  std::int64_t h0, h1, w0, w1, divisor;
};
Window window(const PoolGeom& g, std::int64_t p, std::int64_t q) {
  const std::int64_t h0 = p * g.stride[0] - g.pad[0], w0 = q * g.stride[1] - g.pad[1];
  const std::int64_t h1 = std::min(h0 + g.R, g.H + g.pad[0]),
                     w1 = std::min(w0 + g.S, g.W + g.pad[1]);
  const std::int64_t padded = (h1 - h0) * (w1 - w0);
  Window win{std::max<std::int64_t>(h0, 0), std::min(h1, g.H), std::max<std::int64_t>(w0, 0),
             std::min(w1, g.W), 0};
  win.divisor = g.count_include_pad ? padded : (win.h1 - win.h0) * (win.w1 - win.w0);
  return win;
}

// Flat index in the (H, W) plane of the first maximum of the window (see Note [Pooling loops]).
template <typename T>
std::int64_t window_argmax(const T* plane, const PoolGeom& g, const Window& win) {
  T best = -std::numeric_limits<T>::infinity();
  std::int64_t arg = win.h0 * g.W + win.w0;
  for (std::int64_t h = win.h0; h < win.h1; ++h)
    for (std::int64_t w = win.w0; w < win.w1; ++w) {
      const T v = plane[h * g.W + w];
      if (v > best || std::isnan(v)) best = v, arg = h * g.W + w;
    }
  return arg;
}

// Calls body(nc) for every (n, c) plane, in parallel.
template <typename Body>
void for_each_plane(const PoolGeom& g, Body&& body) {
  const std::int64_t cost = g.H * g.W + g.P * g.Q * g.R * g.S;
  parallel_for(g.N * g.C, cost, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t nc = lo; nc < hi; ++nc) body(nc);
  });
}

}  // namespace

// ---- max_pool2d

Tensor max_pool2d(const Tensor& x, const Pool2dOptions& o) {
  const PoolGeom g = pool_geometry("max_pool2d", x.shape(), o);
  const Tensor xc = x.contiguous(), y = Tensor::empty(g.y_shape(), x.dtype());
  dispatch_floating(x.dtype(), "max_pool2d", [&]<typename T>() {
    for_each_plane(g, [&](std::int64_t nc) {
      const T* xp = xc.data<T>() + nc * g.H * g.W;  // (H, W)
      T* yp = y.data<T>() + nc * g.P * g.Q;         // (P, Q)
      for (std::int64_t p = 0; p < g.P; ++p)
        for (std::int64_t q = 0; q < g.Q; ++q)
          yp[p * g.Q + q] = xp[window_argmax(xp, g, window(g, p, q))];
    });
  });
  return y;
}

Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& x, const Pool2dOptions& o) {
  const char* op = "max_pool2d_backward";
  const PoolGeom g = pool_geometry(op, x.shape(), o);
  check_grad_out(op, grad_out, g, x.shape());
  check(grad_out.dtype() == x.dtype(), "{}: grad_out {} is {} but input {} is {}", op,
        grad_out.shape(), grad_out.dtype(), x.shape(), x.dtype());
  const Tensor xc = x.contiguous(), gyc = grad_out.contiguous();
  const Tensor gx = Tensor::zeros(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&]<typename T>() {
    for_each_plane(g, [&](std::int64_t nc) {
      const T* xp = xc.data<T>() + nc * g.H * g.W;    // (H, W)
      const T* gyp = gyc.data<T>() + nc * g.P * g.Q;  // (P, Q)
      T* gxp = gx.data<T>() + nc * g.H * g.W;         // (H, W)
      for (std::int64_t p = 0; p < g.P; ++p)
        for (std::int64_t q = 0; q < g.Q; ++q)
          gxp[window_argmax(xp, g, window(g, p, q))] += gyp[p * g.Q + q];
    });
  });
  return gx;
}

Tensor max_pool2d_indices(const Tensor& x, const Pool2dOptions& o) {
  const PoolGeom g = pool_geometry("max_pool2d_indices", x.shape(), o);
  const Tensor xc = x.contiguous(), arg = Tensor::empty(g.y_shape(), DType::i64);
  dispatch_floating(x.dtype(), "max_pool2d_indices", [&]<typename T>() {
    for_each_plane(g, [&](std::int64_t nc) {
      const T* xp = xc.data<T>() + nc * g.H * g.W;                   // (H, W)
      std::int64_t* ap = arg.data<std::int64_t>() + nc * g.P * g.Q;  // (P, Q)
      for (std::int64_t p = 0; p < g.P; ++p)
        for (std::int64_t q = 0; q < g.Q; ++q)
          ap[p * g.Q + q] = window_argmax(xp, g, window(g, p, q));
    });
  });
  return arg;
}

// ---- avg_pool2d

Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& o) {
  const PoolGeom g = pool_geometry("avg_pool2d", x.shape(), o);
  const Tensor xc = x.contiguous(), y = Tensor::empty(g.y_shape(), x.dtype());
  dispatch_floating(x.dtype(), "avg_pool2d", [&]<typename T>() {
    for_each_plane(g, [&](std::int64_t nc) {
      const T* xp = xc.data<T>() + nc * g.H * g.W;  // (H, W)
      T* yp = y.data<T>() + nc * g.P * g.Q;         // (P, Q)
      for (std::int64_t p = 0; p < g.P; ++p)
        for (std::int64_t q = 0; q < g.Q; ++q) {
          const Window win = window(g, p, q);
          T sum = 0;
          for (std::int64_t h = win.h0; h < win.h1; ++h)
            for (std::int64_t w = win.w0; w < win.w1; ++w) sum += xp[h * g.W + w];
          yp[p * g.Q + q] = sum / static_cast<T>(win.divisor);
        }
    });
  });
  return y;
}

Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& x_shape, const Pool2dOptions& o) {
  const char* op = "avg_pool2d_backward";
  const PoolGeom g = pool_geometry(op, x_shape, o);
  check_grad_out(op, grad_out, g, x_shape);
  const Tensor gyc = grad_out.contiguous(), gx = Tensor::zeros(x_shape, grad_out.dtype());
  dispatch_floating(grad_out.dtype(), op, [&]<typename T>() {
    for_each_plane(g, [&](std::int64_t nc) {
      const T* gyp = gyc.data<T>() + nc * g.P * g.Q;  // (P, Q)
      T* gxp = gx.data<T>() + nc * g.H * g.W;         // (H, W)
      for (std::int64_t p = 0; p < g.P; ++p)
        for (std::int64_t q = 0; q < g.Q; ++q) {
          const Window win = window(g, p, q);
          const T share = gyp[p * g.Q + q] / static_cast<T>(win.divisor);
          for (std::int64_t h = win.h0; h < win.h1; ++h)
            for (std::int64_t w = win.w0; w < win.w1; ++w) gxp[h * g.W + w] += share;
        }
    });
  });
  return gx;
}

}  // namespace liandan::core
