// 2-D convolution and transposed convolution: shape checks, f32 kernels through oneDNN and f64
// kernels as direct loops (for tests and gradcheck), each forward beside its backward kernels.
//
// Dims legend: N batch, C input channels, O output channels, G groups, (H, W) input size,
// (R, S) kernel size, (P, Q) output size. x (N, C, H, W), weight (O, C/G, R, S), y (N, O, P, Q).
#include "liandan/core/conv.hpp"

#include <fmt/ranges.h>
#include <dnnl.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "elementwise_loop.hpp"
#include "onednn.hpp"
#include "liandan/core/parallel.hpp"

namespace liandan::core {
namespace {

// ---- shape checks

struct ConvGeom {
  std::int64_t N, C, O, G, H, W, R, S, P, Q;
  Pair stride, pad, dilation;
  Shape x_shape() const { return {N, C, H, W}; }
  Shape w_shape() const { return {O, C / G, R, S}; }
  Shape y_shape() const { return {N, O, P, Q}; }
};

// Output size of a strided, padded, dilated window along one dim (may be <= 0).
std::int64_t conv_out_size(std::int64_t in, std::int64_t k, std::int64_t stride, std::int64_t pad,
                           std::int64_t dilation) {
  const std::int64_t span = in + 2 * pad - dilation * (k - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

void check_options(const char* op, Pair stride, Pair padding, Pair dilation, std::int64_t groups) {
  check(groups >= 1, "{}: groups must be positive, got {}", op, groups);
  check(stride[0] >= 1 && stride[1] >= 1 && dilation[0] >= 1 && dilation[1] >= 1 &&
            padding[0] >= 0 && padding[1] >= 0,
        "{}: stride {} and dilation {} must be positive and padding {} non-negative", op, stride,
        dilation, padding);
}

// Validates a convolution of an input of shape xs by a weight of shape ws (either may come from
// the caller as a plain shape, for the backward kernels) and returns its geometry.
ConvGeom conv_geometry(const char* op, const Shape& xs, const Shape& ws, const Conv2dOptions& o) {
  check(xs.size() == 4, "{}: input must be 4-D (N, C, H, W), got shape {}", op, xs);
  check(ws.size() == 4, "{}: weight must be 4-D (O, C/groups, kH, kW), got shape {}", op, ws);
  check_options(op, o.stride, o.padding, o.dilation, o.groups);
  const std::int64_t G = o.groups;
  check(xs[1] % G == 0 && ws[0] % G == 0,
        "{}: input {} weight {}: channels {} and output channels {} must be divisible by groups {}",
        op, xs, ws, xs[1], ws[0], G);
  check(ws[1] * G == xs[1],
        "{}: input {} has {} channels but weight {} expects {} ({} x groups {})", op, xs, xs[1], ws,
        ws[1] * G, ws[1], G);
  const std::int64_t P = conv_out_size(xs[2], ws[2], o.stride[0], o.padding[0], o.dilation[0]);
  const std::int64_t Q = conv_out_size(xs[3], ws[3], o.stride[1], o.padding[1], o.dilation[1]);
  check(P > 0 && Q > 0,
        "{}: input {} weight {}: output size would be empty (padding {}, dilation {}, stride {})",
        op, xs, ws, o.padding, o.dilation, o.stride);
  return {.N = xs[0],
          .C = xs[1],
          .O = ws[0],
          .G = G,
          .H = xs[2],
          .W = xs[3],
          .R = ws[2],
          .S = ws[3],
          .P = P,
          .Q = Q,
          .stride = o.stride,
          .pad = o.padding,
          .dilation = o.dilation};
}

void check_same_dtype(const char* op, const char* a_name, const Tensor& a, const char* b_name,
                      const Tensor& b) {
  check(a.dtype() == b.dtype(), "{}: {} {} is {} but {} {} is {}", op, a_name, a.shape(), a.dtype(),
        b_name, b.shape(), b.dtype());
}

void check_grad_out(const char* op, const Tensor& grad_out, const ConvGeom& g) {
  check(grad_out.shape() == g.y_shape(),
        "{}: grad_out shape {} does not match the output shape {} of input {} and weight {}", op,
        grad_out.shape(), g.y_shape(), g.x_shape(), g.w_shape());
}

// y += bias over channels (dim 1), in place.
void add_bias(const Tensor& y, const Tensor& bias) {
  dispatch_floating(y.dtype(), "add_bias", [&]<typename T>() {
    detail::elementwise<T, T, T>(y, [](T a, T b) { return a + b; },
                                 {y, bias.view({1, bias.numel(), 1, 1})});
  });
}

// ---- direct loops: f64, and f32 problems with an empty dim
//
// Each output element is owned by one loop iteration (gathers, not scatters), so results do not
// depend on the thread count. in_tap maps output position p and kernel tap r to an input index.

std::int64_t in_tap(std::int64_t p, std::int64_t r, std::int64_t stride, std::int64_t pad,
                    std::int64_t dilation) {
  return p * stride - pad + r * dilation;
}

// y (N, O, P, Q) = conv(x (N, C, H, W), w (O, C/G, R, S)) + b (O) or no bias.
template <typename T>
void direct_forward(const T* x, const T* w, const T* b, T* y, const ConvGeom& g) {
  const std::int64_t Cg = g.C / g.G, Og = g.O / g.G;
  parallel_for(
      g.N * g.O, Cg * g.R * g.S * g.P * g.Q, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t no = lo; no < hi; ++no) {
          const std::int64_t n = no / g.O, o = no % g.O;
          const T* xg = x + (n * g.C + o / Og * Cg) * g.H * g.W;  // (Cg, H, W) of o's group
          const T* wo = w + o * Cg * g.R * g.S;                   // (Cg, R, S)
          for (std::int64_t p = 0; p < g.P; ++p)
            for (std::int64_t q = 0; q < g.Q; ++q) {
              T acc = b ? b[o] : T(0);
              for (std::int64_t c = 0; c < Cg; ++c)
                for (std::int64_t r = 0; r < g.R; ++r) {
                  const std::int64_t h = in_tap(p, r, g.stride[0], g.pad[0], g.dilation[0]);
                  if (h < 0 || h >= g.H) continue;
                  for (std::int64_t s = 0; s < g.S; ++s) {
                    const std::int64_t v = in_tap(q, s, g.stride[1], g.pad[1], g.dilation[1]);
                    if (v < 0 || v >= g.W) continue;
                    acc += xg[(c * g.H + h) * g.W + v] * wo[(c * g.R + r) * g.S + s];
                  }
                }
              y[(no * g.P + p) * g.Q + q] = acc;
            }
        }
      });
}

// Output index p with in_tap(p, r) == h, or -1 when no output position reads h through tap r.
std::int64_t out_tap(std::int64_t h, std::int64_t r, std::int64_t stride, std::int64_t pad,
                     std::int64_t dilation, std::int64_t P) {
  const std::int64_t t = h + pad - r * dilation;
  if (t < 0 || t % stride != 0 || t / stride >= P) return -1;
  return t / stride;
}

// gx (N, C, H, W) = d conv / d x applied to gy (N, O, P, Q).
template <typename T>
void direct_backward_input(const T* gy, const T* w, T* gx, const ConvGeom& g) {
  const std::int64_t Cg = g.C / g.G, Og = g.O / g.G;
  parallel_for(
      g.N * g.C, Og * g.R * g.S * g.H * g.W, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t nc = lo; nc < hi; ++nc) {
          const std::int64_t n = nc / g.C, c = nc % g.C % Cg, o0 = nc % g.C / Cg * Og;
          for (std::int64_t h = 0; h < g.H; ++h)
            for (std::int64_t v = 0; v < g.W; ++v) {
              T acc = 0;
              for (std::int64_t o = o0; o < o0 + Og; ++o)
                for (std::int64_t r = 0; r < g.R; ++r) {
                  const std::int64_t p = out_tap(h, r, g.stride[0], g.pad[0], g.dilation[0], g.P);
                  if (p < 0) continue;
                  for (std::int64_t s = 0; s < g.S; ++s) {
                    const std::int64_t q = out_tap(v, s, g.stride[1], g.pad[1], g.dilation[1], g.Q);
                    if (q < 0) continue;
                    acc += gy[((n * g.O + o) * g.P + p) * g.Q + q] *
                           w[((o * Cg + c) * g.R + r) * g.S + s];
                  }
                }
              gx[(nc * g.H + h) * g.W + v] = acc;
            }
        }
      });
}

// gw (O, C/G, R, S) = d conv / d w applied to gy (N, O, P, Q), with x (N, C, H, W).
template <typename T>
void direct_backward_weight(const T* gy, const T* x, T* gw, const ConvGeom& g) {
  const std::int64_t Cg = g.C / g.G, Og = g.O / g.G;
  parallel_for(
      g.O * Cg, g.R * g.S * g.N * g.P * g.Q, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t oc = lo; oc < hi; ++oc) {
          const std::int64_t o = oc / Cg, ci = o / Og * Cg + oc % Cg;
          for (std::int64_t r = 0; r < g.R; ++r)
            for (std::int64_t s = 0; s < g.S; ++s) {
              T acc = 0;
              for (std::int64_t n = 0; n < g.N; ++n)
                for (std::int64_t p = 0; p < g.P; ++p) {
                  const std::int64_t h = in_tap(p, r, g.stride[0], g.pad[0], g.dilation[0]);
                  if (h < 0 || h >= g.H) continue;
                  for (std::int64_t q = 0; q < g.Q; ++q) {
                    const std::int64_t v = in_tap(q, s, g.stride[1], g.pad[1], g.dilation[1]);
                    if (v < 0 || v >= g.W) continue;
                    acc += gy[((n * g.O + o) * g.P + p) * g.Q + q] *
                           x[((n * g.C + ci) * g.H + h) * g.W + v];
                  }
                }
              gw[(oc * g.R + r) * g.S + s] = acc;
            }
        }
      });
}

// ---- f32: oneDNN
//
// Note [oneDNN plans]: one primitive per (kind, geometry, bias, thread count), built on first use
// and cached for the life of the process. Primitives pick their own memory layouts (format
// `any`, typically channel-blocked); each argument whose chosen layout differs from our plain
// NCHW / OIHW is reordered on the way in (inputs) or out (outputs). oneDNN's dilation counts the
// gaps, PyTorch's the step: dnnl dilation = dilation - 1. Padding is symmetric: oneDNN accepts
// right padding that leaves the last rows unread, as PyTorch's floor division does.

using Md = dnnl::memory::desc;
using dnnl::memory;

dnnl::engine& engine() { return detail::dnnl_engine(); }

memory::dims dims(const Shape& s) { return memory::dims(s.begin(), s.end()); }

Md any_md(const Shape& s) { return Md(dims(s), memory::data_type::f32, memory::format_tag::any); }
Md plain_md(const Shape& s) {
  static constexpr memory::format_tag tags[] = {memory::format_tag::undef, memory::format_tag::a,
                                                memory::format_tag::ab, memory::format_tag::abc,
                                                memory::format_tag::abcd};
  return Md(dims(s), memory::data_type::f32, tags[s.size()]);
}
// Weights as oneDNN sees them: (O, C/G, R, S), or (G, O/G, C/G, R, S) with groups; same bytes.
Shape dnnl_w_shape(const ConvGeom& g) {
  return g.G == 1 ? g.w_shape() : Shape{g.G, g.O / g.G, g.C / g.G, g.R, g.S};
}
Md w_md(const ConvGeom& g, bool any) {
  return any ? any_md(dnnl_w_shape(g))
             : Md(dims(dnnl_w_shape(g)), memory::data_type::f32,
                  g.G == 1 ? memory::format_tag::oihw : memory::format_tag::goihw);
}

struct PlanArg {
  int id;                 // DNNL_ARG_*
  Md ours, theirs;        // our plain layout; the primitive's
  dnnl::reorder reorder;  // ours -> theirs for inputs, theirs -> ours for outputs; empty if same
  bool output;
};
struct Plan {
  dnnl::primitive primitive;
  std::vector<PlanArg> args;
};

// args: (DNNL_ARG_*, our layout, is output), in the order execute() receives the tensors.
Plan make_plan(const dnnl::primitive_desc& pd,
               std::initializer_list<std::tuple<int, Md, bool>> args) {
  Plan plan{dnnl::primitive(pd), {}};
  for (const auto& [id, ours, output] : args) {
    const Md theirs = pd.query_md(dnnl::query::exec_arg_md, id);
    dnnl::reorder re;
    if (theirs != ours)
      re = output ? dnnl::reorder({engine(), theirs, engine(), ours})
                  : dnnl::reorder({engine(), ours, engine(), theirs});
    plan.args.push_back({id, ours, theirs, re, output});
  }
  return plan;
}

enum class Kind : std::int64_t { forward, backward_input, backward_weight };

// The cached plan of one convolution, built by build() on first use.
const Plan& cached_plan(const char* op, Kind kind, const ConvGeom& g, bool bias,
                        const std::function<Plan()>& build) {
  static std::mutex mutex;
  static std::map<std::vector<std::int64_t>, Plan> cache;
  std::vector<std::int64_t> key{static_cast<std::int64_t>(kind), bias, g.G, omp_get_max_threads()};
  for (const Shape& shape : {g.x_shape(), g.w_shape()})
    key.insert(key.end(), shape.begin(), shape.end());
  for (const Pair& pair : {g.stride, g.pad, g.dilation})
    key.insert(key.end(), pair.begin(), pair.end());
  const std::lock_guard lock(mutex);
  auto it = cache.find(key);
  if (it == cache.end()) {
    try {
      it = cache.emplace(key, build()).first;
    } catch (const dnnl::error& e) {
      throw Error(fmt::format("{}: oneDNN has no primitive for input {} weight {}: {}", op,
                              g.x_shape(), g.w_shape(), e.what()));
    }
  }
  return it->second;
}

// Runs a plan on dense f32 tensors given in the order of plan.args. Buffers in the primitive's
// layouts come from our caching allocator.
void execute(const Plan& plan, std::initializer_list<Tensor> tensors) {
  dnnl::stream& stream = detail::dnnl_stream();
  std::unordered_map<int, memory> args;
  std::vector<Tensor> buffers;
  std::vector<std::pair<const PlanArg*, memory>> outputs;  // (arg, our memory) to reorder back
  auto t = tensors.begin();
  for (const PlanArg& a : plan.args) {
    memory ours(a.ours, engine(), t++->raw_data());
    if (!a.reorder) {
      args.emplace(a.id, ours);
      continue;
    }
    const auto n = static_cast<std::int64_t>(a.theirs.get_size() / sizeof(float));
    buffers.push_back(Tensor::empty(Shape{n}));
    memory theirs(a.theirs, engine(), buffers.back().raw_data());
    if (a.output)
      outputs.emplace_back(&a, ours);
    else
      a.reorder.execute(stream, ours, theirs);
    args.emplace(a.id, theirs);
  }
  plan.primitive.execute(stream, args);
  for (auto& [a, ours] : outputs) a->reorder.execute(stream, args.at(a->id), ours);
  stream.wait();
}

dnnl::convolution_forward::primitive_desc forward_pd(const ConvGeom& g, bool bias) {
  const dnnl::convolution_forward::desc d(
      dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, any_md(g.x_shape()),
      w_md(g, true), bias ? any_md(Shape{g.O}) : Md(), any_md(g.y_shape()),
      {g.stride[0], g.stride[1]}, {g.dilation[0] - 1, g.dilation[1] - 1}, {g.pad[0], g.pad[1]},
      {g.pad[0], g.pad[1]});
  return {d, engine()};
}

void dnnl_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& y,
                  const ConvGeom& g) {
  const bool bias = b.defined();
  const Plan& plan = cached_plan("conv2d", Kind::forward, g, bias, [&] {
    return bias ? make_plan(forward_pd(g, true), {{DNNL_ARG_SRC, plain_md(g.x_shape()), false},
                                                  {DNNL_ARG_WEIGHTS, w_md(g, false), false},
                                                  {DNNL_ARG_BIAS, plain_md(Shape{g.O}), false},
                                                  {DNNL_ARG_DST, plain_md(g.y_shape()), true}})
                : make_plan(forward_pd(g, false), {{DNNL_ARG_SRC, plain_md(g.x_shape()), false},
                                                   {DNNL_ARG_WEIGHTS, w_md(g, false), false},
                                                   {DNNL_ARG_DST, plain_md(g.y_shape()), true}});
  });
  if (bias)
    execute(plan, {x, w, b, y});
  else
    execute(plan, {x, w, y});
}

void dnnl_backward_input(const Tensor& gy, const Tensor& w, const Tensor& gx, const ConvGeom& g) {
  const Plan& plan = cached_plan("conv2d_backward_input", Kind::backward_input, g, false, [&] {
    const dnnl::convolution_backward_data::desc d(
        dnnl::algorithm::convolution_direct, any_md(g.x_shape()), w_md(g, true),
        any_md(g.y_shape()), {g.stride[0], g.stride[1]}, {g.dilation[0] - 1, g.dilation[1] - 1},
        {g.pad[0], g.pad[1]}, {g.pad[0], g.pad[1]});
    const dnnl::convolution_backward_data::primitive_desc pd(d, engine(), forward_pd(g, false));
    return make_plan(pd, {{DNNL_ARG_DIFF_DST, plain_md(g.y_shape()), false},
                          {DNNL_ARG_WEIGHTS, w_md(g, false), false},
                          {DNNL_ARG_DIFF_SRC, plain_md(g.x_shape()), true}});
  });
  execute(plan, {gy, w, gx});
}

void dnnl_backward_weight(const Tensor& gy, const Tensor& x, const Tensor& gw, const ConvGeom& g) {
  const Plan& plan = cached_plan("conv2d_backward_weight", Kind::backward_weight, g, false, [&] {
    const dnnl::convolution_backward_weights::desc d(
        dnnl::algorithm::convolution_direct, any_md(g.x_shape()), w_md(g, true),
        any_md(g.y_shape()), {g.stride[0], g.stride[1]}, {g.dilation[0] - 1, g.dilation[1] - 1},
        {g.pad[0], g.pad[1]}, {g.pad[0], g.pad[1]});
    const dnnl::convolution_backward_weights::primitive_desc pd(d, engine(), forward_pd(g, false));
    return make_plan(pd, {{DNNL_ARG_DIFF_DST, plain_md(g.y_shape()), false},
                          {DNNL_ARG_SRC, plain_md(g.x_shape()), false},
                          {DNNL_ARG_DIFF_WEIGHTS, w_md(g, false), true}});
  });
  execute(plan, {gy, x, gw});
}

// f32 goes to oneDNN, which rejects empty dims; empty problems and f64 take the direct loops.
template <typename T>
bool use_dnnl(const ConvGeom& g) {
  return std::is_same_v<T, float> && g.x_shape().numel() > 0 && g.w_shape().numel() > 0;
}

// gx = d conv / d x applied to a dense gy, by dtype.
Tensor backward_input(const Tensor& gy, const Tensor& w, const ConvGeom& g, const char* op) {
  const Tensor gx = Tensor::empty(g.x_shape(), gy.dtype());
  dispatch_floating(gy.dtype(), op, [&]<typename T>() {
    if (use_dnnl<T>(g))
      dnnl_backward_input(gy, w, gx, g);
    else
      direct_backward_input(gy.data<T>(), w.data<T>(), gx.data<T>(), g);
  });
  return gx;
}

}  // namespace

// ---- conv2d

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& o) {
  const ConvGeom g = conv_geometry("conv2d", x.shape(), weight.shape(), o);
  check_same_dtype("conv2d", "input", x, "weight", weight);
  if (bias.defined()) {
    check(bias.shape() == Shape{g.O}, "conv2d: bias must have shape [{}] for weight {}, got {}",
          g.O, weight.shape(), bias.shape());
    check_same_dtype("conv2d", "input", x, "bias", bias);
  }
  const Tensor xc = x.contiguous(), wc = weight.contiguous();
  const Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  const Tensor y = Tensor::empty(g.y_shape(), x.dtype());
  dispatch_floating(x.dtype(), "conv2d", [&]<typename T>() {
    if (use_dnnl<T>(g))
      dnnl_forward(xc, wc, bc, y, g);
    else
      direct_forward(xc.data<T>(), wc.data<T>(), bc.defined() ? bc.data<T>() : nullptr, y.data<T>(),
                     g);
  });
  return y;
}

Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Shape& x_shape,
                             const Conv2dOptions& o) {
  const char* op = "conv2d_backward_input";
  const ConvGeom g = conv_geometry(op, x_shape, weight.shape(), o);
  check_grad_out(op, grad_out, g);
  check_same_dtype(op, "grad_out", grad_out, "weight", weight);
  return backward_input(grad_out.contiguous(), weight.contiguous(), g, op);
}

Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape,
                              const Conv2dOptions& o) {
  const char* op = "conv2d_backward_weight";
  const ConvGeom g = conv_geometry(op, x.shape(), weight_shape, o);
  check_grad_out(op, grad_out, g);
  check_same_dtype(op, "grad_out", grad_out, "input", x);
  const Tensor gyc = grad_out.contiguous(), xc = x.contiguous();
  const Tensor gw = Tensor::empty(g.w_shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&]<typename T>() {
    if (use_dnnl<T>(g))
      dnnl_backward_weight(gyc, xc, gw, g);
    else
      direct_backward_weight(gyc.data<T>(), xc.data<T>(), gw.data<T>(), g);
  });
  return gw;
}

// ---- conv_transpose2d
//
// Note [Transposed convolution]: conv_transpose2d(x, w) is the input gradient of the convolution
// conv(y, w) whose input y has the transposed output's shape, applied to x as grad_out; PyTorch's
// transposed weight (C, O/G, R, S) is exactly that convolution's weight. The convolution of y
// has H + output_padding / stride rows, so when output_padding >= stride (possible when
// dilation > stride) x is zero-extended to that size: the extra rows feed nothing.
// Its backward follows: grad_x = conv2d(grad_y, w) and grad_w = conv2d_backward_weight(x, grad_y),
// with grad_x narrowed to x's size and x zero-extended the same way when output_padding >= stride.

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvTranspose2dOptions& o) {
  const char* op = "conv_transpose2d";
  const Shape &xs = x.shape(), &ws = weight.shape();
  check(xs.size() == 4, "{}: input must be 4-D (N, C, H, W), got shape {}", op, xs);
  check(ws.size() == 4, "{}: weight must be 4-D (C, O/groups, kH, kW), got shape {}", op, ws);
  check_options(op, o.stride, o.padding, o.dilation, o.groups);
  check(xs[1] == ws[0] && xs[1] % o.groups == 0,
        "{}: input {} has {} channels but weight {} expects {}, divisible by groups {}", op, xs,
        xs[1], ws, ws[0], o.groups);
  Shape ys{xs[0], ws[1] * o.groups, 0, 0};
  for (int i = 0; i < 2; ++i) {
    check(o.output_padding[i] >= 0 && o.output_padding[i] < std::max(o.stride[i], o.dilation[i]),
          "{}: output_padding {} must be non-negative and smaller than stride {} or dilation {}",
          op, o.output_padding, o.stride, o.dilation);
    ys[2 + i] = (xs[2 + i] - 1) * o.stride[i] - 2 * o.padding[i] + o.dilation[i] * (ws[2 + i] - 1) +
                o.output_padding[i] + 1;
  }
  check(ys[2] > 0 && ys[3] > 0,
        "{}: input {} weight {}: output size {}x{} is not positive (padding {}, dilation {}, "
        "stride {}, output_padding {})",
        op, xs, ws, ys[2], ys[3], o.padding, o.dilation, o.stride, o.output_padding);
  check_same_dtype(op, "input", x, "weight", weight);
  if (bias.defined()) {
    check(bias.shape() == Shape{ys[1]}, "{}: bias must have shape [{}] for weight {}, got {}", op,
          ys[1], ws, bias.shape());
    check_same_dtype(op, "input", x, "bias", bias);
  }
  const ConvGeom g = conv_geometry(op, ys, ws, {o.stride, o.padding, o.dilation, o.groups});
  Tensor gy = x.contiguous();
  if (g.P != xs[2] || g.Q != xs[3]) {  // see Note [Transposed convolution]
    gy = Tensor::zeros(g.y_shape(), x.dtype());
    gy.narrow(2, 0, xs[2]).narrow(3, 0, xs[3]).copy_(x);
  }
  const Tensor y = backward_input(gy, weight.contiguous(), g, op);
  if (bias.defined()) add_bias(y, bias);
  return y;
}

}  // namespace liandan::core
