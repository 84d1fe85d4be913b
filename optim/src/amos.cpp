// optim::Amos: per-slot coefficients, then one fused loop over the parameter (ALGORITHMS.md
// section 3; the equations are quoted next to the code that computes them).
#include "liandan/optim/amos.hpp"

#include <algorithm>
#include <cmath>

#include "liandan/core/elementwise.hpp"
#include "liandan/core/parallel.hpp"
#include "liandan/core/reduce.hpp"

namespace liandan::optim {

double default_amos_eta(const std::string& name, const Shape& shape) {
  if (shape.size() >= 2)
    return std::sqrt(double(shape[0]) / double(std::max<std::int64_t>(shape.numel(), 1)));
  return name.ends_with("bias") ? 0.5 : 1.0;
}

Axes default_amos_reduce_axes(const std::string&, const Shape& shape) {
  Axes axes;
  for (std::int64_t d = shape.size() >= 2 ? 1 : 0; d < std::int64_t(shape.size()); ++d)
    axes.push_back(d);
  return axes;
}

Amos::Amos(std::vector<ParamGroup> groups, const AmosOptions& o)
    : OptimizerOf("Amos", std::move(groups), o) {
  for (std::size_t i = 0; i < num_params(); ++i) {
    const AmosOptions& group = options(group_index(i));
    const auto& [key, p] = param(i);
    Slot s;
    s.eta = group.eta ? *group.eta : o.eta_fn(key, p.shape());
    check(std::isfinite(s.eta) && s.eta > 0, "Amos: eta of {} is {} (must be > 0)", key, s.eta);
    Axes axes = group.reduce_axes ? *group.reduce_axes : o.reduce_axes_fn(key, p.shape());
    const auto dim = std::int64_t(p.shape().size());
    for (std::int64_t& a : axes) {
      check(a >= -dim && a < dim, "Amos: reduce_axes [{}] of {} {}: axis {} out of range",
            fmt::join(axes, ", "), key, p.shape().str(), a);
      if (a < 0) a += dim;
    }
    std::sort(axes.begin(), axes.end());
    check(std::adjacent_find(axes.begin(), axes.end()) == axes.end(),
          "Amos: reduce_axes of {} repeat an axis", key);
    s.shape = p.shape();
    for (std::int64_t a : axes) s.shape[a] = 1;
    // Trailing axes (or none): a slot is a contiguous row of the parameter.
    const bool trailing =
        axes.empty() ||
        (axes.back() == dim - 1 && axes.back() - axes.front() + 1 == std::int64_t(axes.size()));
    s.row_length = 0;
    if (trailing) {
      s.row_length = 1;
      for (std::int64_t a : axes) s.row_length *= p.shape()[a];
    }
    s.axes = std::move(axes);
    slots_.push_back(std::move(s));
  }
  state_.resize(num_params());
}

AmosOptions Amos::param_options(std::size_t index) const {
  AmosOptions out = options(group_index(index));
  out.eta = slots_[index].eta;
  out.reduce_axes = slots_[index].axes;
  return out;
}

namespace {

// The per-slot part, for each slot s given g2_s (ALGORITHMS.md section 3; xi is o.lr; b is b_{t-1}
// until its own update):
//   v     = beta v + (1 - beta) g2
//   r     = (1 - beta^t) / max(v, epsilon)
//   c     = 1 / sqrt(1 + c_coef sqrt(xi) b)
//   gamma = c xi^2 r g2
//   d     = 1 / (1 + d_coef sqrt(a) b),  a = xi eta
//   b     = b + gamma (1 + b)
// leaving the update u = -(decay theta + step g) with decay = d (gamma / 2 + extra_l2) and
// step = d a sqrt(r), written over g2.
template <typename T>
void slot_coefficients(T* g2_decay, T* step, T* v, T* b, std::int64_t slots, double eta,
                       const AmosOptions& o, std::int64_t t) {
  const double bias = 1 - std::pow(o.beta, double(t)), a = o.lr * eta;
  const double sqrt_xi = std::sqrt(o.lr), sqrt_a = std::sqrt(a);
  core::parallel_for(slots, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t s = begin; s < end; ++s) {
      const double g2 = g2_decay[s];
      const double vs = o.beta * double(v[s]) + (1 - o.beta) * g2;
      const double r = bias / std::max(vs, o.epsilon);
      const double bs = b[s];
      const double c = 1 / std::sqrt(1 + o.c_coef * sqrt_xi * bs);
      const double gamma = c * o.lr * o.lr * r * g2;
      const double d = 1 / (1 + o.d_coef * sqrt_a * bs);
      v[s] = T(vs);
      b[s] = T(bs + gamma * (1 + bs));
      g2_decay[s] = T(d * (0.5 * gamma + o.extra_l2));
      step[s] = T(d * a * std::sqrt(r));
    }
  });
}

template <typename T>
T clip(T g, T limit) {
  return limit > 0 ? std::min(std::max(g, -limit), limit) : g;
}

// theta += u (or, with momentum, m = mu m + (1 - mu) u; theta += m) where the element i uses
// slot i / row of decay and step.
template <typename T>
void apply_update(T* p, const T* g, T* m, const T* decay, const T* step, std::int64_t n,
                  std::int64_t row, const AmosOptions& o) {
  const T limit = T(o.clip_value), mu = T(o.momentum), one_mu = T(1 - o.momentum);
  core::parallel_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const std::int64_t s = row == 1 ? i : i / row;
      const T u = -(decay[s] * p[i] + step[s] * clip(g[i], limit));
      if (m) {
        m[i] = mu * m[i] + one_mu * u;
        p[i] += m[i];
      } else {
        p[i] += u;
      }
    }
  });
}

// g2 = mean of clip(g)^2 over each row of length row (one row per slot).
template <typename T>
void row_mean_square(T* g2, const T* g, std::int64_t slots, std::int64_t row, T limit) {
  core::parallel_for(slots, row, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t s = begin; s < end; ++s) {
      double acc = 0;
      for (std::int64_t j = 0; j < row; ++j) {
        const double x = clip(g[s * row + j], limit);
        acc += x * x;
      }
      g2[s] = T(acc / double(row));
    }
  });
}

}  // namespace

void Amos::update(const AmosOptions& o, std::size_t index, const core::Tensor& param,
                  const core::Tensor& grad) {
  const Slot& slot = slots_[index];
  std::optional<AmosState>& s = state_[index];
  if (!s) {
    s.emplace();
    s->v = core::Tensor::zeros(slot.shape, param.dtype());
    s->b = core::Tensor::zeros(slot.shape, param.dtype());
  }
  if (o.momentum > 0 && !s->m.defined()) s->m = core::Tensor::zeros(param.shape(), param.dtype());
  ++s->step;
  const std::int64_t slots = slot.shape.numel();
  // Per slot: g2, overwritten by the decay coefficient; and the gradient's step coefficient.
  core::Tensor decay = core::Tensor::empty(slot.shape, param.dtype());
  core::Tensor step = core::Tensor::empty(slot.shape, param.dtype());
  dispatch_floating(param.dtype(), "Amos", [&]<typename T>() {
    if (slot.row_length > 0) {
      row_mean_square(decay.data<T>(), grad.data<T>(), slots, slot.row_length, T(o.clip_value));
    } else {  // axes in the middle: the reduction is core's, on a clipped copy
      const core::Tensor g =
          o.clip_value > 0 ? core::clamp(grad, -o.clip_value, o.clip_value) : grad;
      decay.copy_(core::mean(core::mul(g, g),
                             core::DimList(std::span<const std::int64_t>(slot.axes)),
                             /*keepdim=*/true));
    }
    slot_coefficients(decay.data<T>(), step.data<T>(), s->v.data<T>(), s->b.data<T>(), slots,
                      slot.eta, o, s->step);
    T* m = s->m.defined() && o.momentum > 0 ? s->m.data<T>() : nullptr;
    if (slot.row_length > 0) {
      apply_update(param.data<T>(), grad.data<T>(), m, decay.data<T>(), step.data<T>(),
                   param.numel(), slot.row_length, o);
    } else {  // one coefficient per element, broadcast from the slots
      const core::Tensor full_decay = decay.expand(param.shape()).contiguous();
      const core::Tensor full_step = step.expand(param.shape()).contiguous();
      apply_update(param.data<T>(), grad.data<T>(), m, full_decay.data<T>(), full_step.data<T>(),
                   param.numel(), 1, o);
    }
  });
}

NamedTensors Amos::save_state(std::size_t index) const {
  const std::optional<AmosState>& s = state_[index];
  if (!s) return {};
  NamedTensors out{{"step", step_tensor(s->step)}, {"v", s->v.clone()}, {"b", s->b.clone()}};
  if (s->m.defined()) out.add("m", s->m.clone());
  return out;
}

void Amos::load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                      const NamedTensors& fields) {
  check_fields(key, fields, {"step", "v", "b", "m"});
  if (fields.empty()) {
    state_[index].reset();
    return;
  }
  AmosState s;
  s.step = step_value(key, fields);
  s.v = state_of_shape(key, fields, "v", slots_[index].shape, param.dtype());
  s.b = state_of_shape(key, fields, "b", slots_[index].shape, param.dtype());
  for (const auto& [k, v] : fields)
    if (k == "m") s.m = state_like(key, fields, "m", param);
  state_[index] = std::move(s);
}

}  // namespace liandan::optim
