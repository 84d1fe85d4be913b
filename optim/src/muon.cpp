// optim::Muon: Newton-Schulz orthogonalised momentum for 2-D weights, AdamW for the rest.
#include "liandan/optim/muon.hpp"

#include <cmath>
#include <sstream>

#include "adam_kernel.hpp"
#include "liandan/core/elementwise.hpp"
#include "liandan/core/matmul.hpp"
#include "liandan/core/parallel.hpp"
#include "liandan/core/reduce.hpp"

namespace liandan::optim {

bool default_use_muon(const std::string& name, const Shape& shape) {
  if (shape.size() < 2) return false;
  std::istringstream parts(name);
  for (std::string part; std::getline(parts, part, '.');)
    if (part.starts_with("embed") || part == "head" || part == "lm_head" || part == "classifier" ||
        part == "output")
      return false;
  return true;
}

core::Tensor newton_schulz(const core::Tensor& g, int steps) {
  check(g.dim() == 2, "newton_schulz: expected a matrix, got {}", g.shape().str());
  constexpr double a = 3.4445, b = -4.7750, c = 2.0315;
  const bool transposed = g.shape()[0] > g.shape()[1];
  core::Tensor x = core::div(g, core::norm(g).item() + 1e-7);
  if (transposed) x = x.transpose(0, 1).contiguous();
  for (int i = 0; i < steps; ++i) {
    const core::Tensor A = core::matmul(x, x.transpose(0, 1));
    const core::Tensor B = core::add(core::mul(A, b), core::mul(core::matmul(A, A), c));
    x = core::add(core::mul(x, a), core::matmul(B, x));
  }
  return transposed ? x.transpose(0, 1).contiguous() : x;
}

Muon::Muon(std::vector<ParamGroup> groups, const MuonOptions& o)
    : OptimizerOf("Muon", std::move(groups), o) {
  for (std::size_t i = 0; i < num_params(); ++i) {
    const std::optional<bool> chosen = options(group_index(i)).muon;
    const auto& [key, p] = param(i);
    const bool muon = chosen ? *chosen : o.use_muon(key, p.shape());
    check(!muon || p.shape().size() >= 2, "Muon: parameter {} {} has fewer than 2 dims", key,
          p.shape().str());
    muon_.push_back(muon);
  }
  state_.resize(num_params());
}

MuonOptions Muon::param_options(std::size_t index) const {
  MuonOptions out = options(group_index(index));
  out.muon = muon_[index];
  return out;
}

void Muon::update(const MuonOptions& o, std::size_t index, const core::Tensor& param,
                  const core::Tensor& grad) {
  std::optional<MuonState>& s = state_[index];
  const bool muon = muon_[index];
  if (!s) {
    s.emplace();
    if (muon) {
      s->momentum_buffer = core::Tensor::zeros(param.shape(), param.dtype());
    } else {
      s->exp_avg = core::Tensor::zeros(param.shape(), param.dtype());
      s->exp_avg_sq = core::Tensor::zeros(param.shape(), param.dtype());
    }
  }
  ++s->step;
  if (!muon) {
    dispatch_floating(param.dtype(), "Muon", [&]<typename T>() {
      adam_kernel(param.data<T>(), grad.data<T>(), s->exp_avg.data<T>(), s->exp_avg_sq.data<T>(),
                  static_cast<T*>(nullptr), param.numel(), o, /*decoupled=*/true, s->step);
    });
    return;
  }
  const double lr = o.lr, mu = o.momentum;
  const core::Tensor& buf = s->momentum_buffer;
  buf.copy_(core::add(core::mul(buf, mu), grad));
  const core::Tensor input = o.nesterov ? core::add(grad, core::mul(buf, mu)) : buf;
  const std::int64_t rows = param.shape()[0], cols = param.numel() / rows;
  const core::Tensor ortho = newton_schulz(input.reshape({rows, cols}), o.ns_steps);
  const double scale = o.scale == MuonScale::moonshot
                           ? 0.2 * std::sqrt(double(std::max(rows, cols)))
                           : std::sqrt(std::max(1.0, double(rows) / double(cols)));
  const double decay = 1 - lr * o.weight_decay, step = lr * scale;
  dispatch_floating(param.dtype(), "Muon", [&]<typename T>() {
    T* p = param.data<T>();
    const T* u = ortho.data<T>();
    const T d = T(decay), k = T(step);
    const std::int64_t n = param.numel();
    core::parallel_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
      for (std::int64_t i = begin; i < end; ++i) p[i] = p[i] * d - k * u[i];
    });
  });
}

NamedTensors Muon::save_state(std::size_t index) const {
  const std::optional<MuonState>& s = state_[index];
  if (!s) return {};
  NamedTensors out{{"step", step_tensor(s->step)}};
  if (muon_[index]) {
    out.add("momentum_buffer", s->momentum_buffer.clone());
  } else {
    out.add("exp_avg", s->exp_avg.clone());
    out.add("exp_avg_sq", s->exp_avg_sq.clone());
  }
  return out;
}

void Muon::load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                      const NamedTensors& fields) {
  if (muon_[index])
    check_fields(key, fields, {"step", "momentum_buffer"});
  else
    check_fields(key, fields, {"step", "exp_avg", "exp_avg_sq"});
  if (fields.empty()) {
    state_[index].reset();
    return;
  }
  MuonState s;
  s.step = step_value(key, fields);
  if (muon_[index]) {
    s.momentum_buffer = state_like(key, fields, "momentum_buffer", param);
  } else {
    s.exp_avg = state_like(key, fields, "exp_avg", param);
    s.exp_avg_sq = state_like(key, fields, "exp_avg_sq", param);
  }
  state_[index] = std::move(s);
}

}  // namespace liandan::optim
