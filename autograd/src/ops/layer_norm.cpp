// layer_norm over the trailing dims D (n elements per group), optional affine weight w, bias b:
//   mu = mean_D(x), rstd = 1 / sqrt(var_D(x) + eps), xhat = (x - mu) rstd, y = xhat w + b.
// With dxhat = g w:
//   d/db = g,  d/dw = g xhat  (the engine sums both over the leading dims)
//   d/dx = rstd (dxhat - mean_D(dxhat) - xhat mean_D(dxhat xhat))
//
// Note [LayerNorm statistics]: the backward uses mu and rstd saved from the core kernel. For
// it to be differentiable again they must stay functions of x, so the node has them as two
// hidden outputs: a double backward that reaches them sends gradients back into this node,
// which adds  d mu/dx = 1/n  and  d rstd/dx = -rstd^3 (x - mu) / n.
//
// Note [LayerNorm fast path]: when the backward is not recorded (no create_graph), one pass
// per row computes d/dx from the saved statistics instead of ~10 full-size temporaries, and
// one pass over the rows sums d/dw and d/db. Tests check it against the composed path.
#include "liandan/core/layer_norm.hpp"
#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/parallel.hpp"

namespace liandan {
namespace {

struct Grads {
  core::Tensor x, weight, bias;  // undefined where not needed
};

// The fast path: g, x (rows, n); w (n) or undefined; mean, rstd (rows).
Grads fused_backward(const core::Tensor& g_in, const core::Tensor& x_in, const core::Tensor& w_in,
                     const core::Tensor& mean_in, const core::Tensor& rstd_in, const Shape& w_shape,
                     bool need_x, bool need_w, bool need_b) {
  const core::Tensor g = g_in.contiguous(), x = x_in.contiguous();
  const core::Tensor mean = mean_in.contiguous(), rstd = rstd_in.contiguous();
  const core::Tensor w = w_in.defined() ? w_in.contiguous() : core::Tensor();
  const std::int64_t n = w_shape.numel(), rows = n ? x.numel() / n : 0;
  Grads out;
  if (need_x) out.x = core::Tensor::empty(x.shape(), x.dtype());
  if (need_w) out.weight = core::Tensor::zeros(w_shape, x.dtype());
  if (need_b) out.bias = core::Tensor::zeros(w_shape, x.dtype());
  dispatch_floating(x.dtype(), "layer_norm backward", [&]<typename T>() {
    const T *gp = g.data<T>(), *xp = x.data<T>(), *wp = w.defined() ? w.data<T>() : nullptr;
    const T *mp = mean.data<T>(), *rp = rstd.data<T>();
    if (need_x) {
      T* dx = out.x.data<T>();
      core::parallel_for(rows, n, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t r = begin; r < end; ++r) {
          const T *gr = gp + r * n, *xr = xp + r * n, mu = mp[r], s = rp[r];
          T a = 0, b = 0;  // sum(dxhat), sum(dxhat xhat)
#pragma omp simd reduction(+ : a, b)
          for (std::int64_t i = 0; i < n; ++i) {
            const T dxhat = wp ? gr[i] * wp[i] : gr[i];
            a += dxhat;
            b += dxhat * (xr[i] - mu) * s;
          }
          a /= static_cast<T>(n), b /= static_cast<T>(n);
#pragma omp simd
          for (std::int64_t i = 0; i < n; ++i) {
            const T dxhat = wp ? gr[i] * wp[i] : gr[i];
            dx[r * n + i] = s * (dxhat - a - (xr[i] - mu) * s * b);
          }
        }
      });
    }
    T* dw = need_w ? out.weight.template data<T>() : nullptr;
    T* db = need_b ? out.bias.template data<T>() : nullptr;
    if (!dw && !db) return;
    core::cpu::dispatch([&] {  // rows in order: dw and db sum over them deterministically
      for (std::int64_t r = 0; r < rows; ++r) {
        const T *gr = gp + r * n, *xr = xp + r * n, mu = mp[r], s = rp[r];
        if (dw) {
#pragma omp simd
          for (std::int64_t i = 0; i < n; ++i) dw[i] += gr[i] * (xr[i] - mu) * s;
        }
        if (db) {
#pragma omp simd
          for (std::int64_t i = 0; i < n; ++i) db[i] += gr[i];
        }
      }
    });
  });
  return out;
}

struct LayerNormBackward final : Node {
  LayerNormBackward(DimList dims, Shape normalized_shape)
      : Node("LayerNormBackward"),
        dims(dims),
        normalized_shape(normalized_shape),
        n(static_cast<double>(normalized_shape.numel())) {}
  DimList dims;  // the normalised (trailing) dims
  Shape normalized_shape;
  double n;  // elements per normalised group
  struct {
    SavedTensor x, weight, mean, rstd;  // mean, rstd: outputs 1 and 2, shape (..., 1, 1)
  } saved;

  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor x = saved.x.unpack(*this), mu = saved.mean.unpack(*this);
    const Tensor rstd = saved.rstd.unpack(*this), w = saved.weight.unpack(*this);
    if (!GradMode::enabled() && g[0].defined() && !g[1].defined() && !g[2].defined()) {
      const Grads r = fused_backward(g[0].data(), x.data(), w.defined() ? w.data() : core::Tensor(),
                                     mu.data(), rstd.data(), normalized_shape, needs_input_grad(0),
                                     needs_input_grad(1), needs_input_grad(2));
      auto wrap = [](const core::Tensor& t) { return t.defined() ? Tensor(t) : Tensor(); };
      return {wrap(r.x), wrap(r.weight), wrap(r.bias)};
    }
    const Tensor centered = x - mu;
    Tensor gx, gw, gb;
    auto accumulate = [](Tensor& acc, const Tensor& t) { acc = acc.defined() ? acc + t : t; };
    if (g[0].defined()) {
      const Tensor xhat = centered * rstd;
      if (needs_input_grad(2)) gb = g[0];
      if (needs_input_grad(1)) gw = g[0] * xhat;
      if (needs_input_grad(0)) {
        const Tensor dxhat = w.defined() ? g[0] * w : g[0];
        gx = rstd * (dxhat - mean(dxhat, dims, true) - xhat * mean(dxhat * xhat, dims, true));
      }
    }
    if (needs_input_grad(0) && g[1].defined()) accumulate(gx, expand(g[1] / n, x.shape()));
    if (needs_input_grad(0) && g[2].defined())
      accumulate(gx, g[2] * rstd * rstd * rstd * centered * (-1.0 / n));
    return {gx, gw, gb};
  }
  void release_saved() override {
    saved.x.reset(), saved.weight.reset(), saved.mean.reset(), saved.rstd.reset();
  }
};

}  // namespace

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  check_input(x, "layer_norm", "x");
  core::LayerNormResult r = core::layer_norm(x.data(), normalized_shape,
                                             weight.defined() ? weight.data() : core::Tensor(),
                                             bias.defined() ? bias.data() : core::Tensor(), eps);
  Tensor out = make_result(std::move(r.out));
  const Tensor mean = make_result(std::move(r.mean)), rstd = make_result(std::move(r.rstd));
  DimList dims;
  for (int i = x.dim() - normalized_shape.size(); i < x.dim(); ++i) dims.push_back(i);
  if (auto node =
          record<LayerNormBackward>({x, weight, bias}, {out, mean, rstd}, dims, normalized_shape)) {
    node->saved.x = SavedTensor(x, false);
    if (node->needs_input_grad(0)) node->saved.weight = SavedTensor(weight, false);
    node->saved.mean = SavedTensor(mean, true);
    node->saved.rstd = SavedTensor(rstd, true);
  }
  return out;
}

}  // namespace liandan
