// gradcheck / gradgradcheck: the Jacobian by the tape (one backward per output element) against
// central differences (two forwards per input element).
#include "liandan/autograd/gradcheck.hpp"

#include <cmath>

#include "liandan/autograd/engine.hpp"
#include "liandan/autograd/grad_mode.hpp"
#include "liandan/core/random.hpp"

namespace liandan::autograd {
namespace {

// Outputs flattened into one f64 vector (data only).
std::vector<double> flat_outputs(const Function& f, const std::vector<Tensor>& inputs) {
  NoGradGuard no_grad;
  std::vector<double> out;
  for (const Tensor& t : f(inputs)) {
    if (!t.defined() || !is_floating(t.dtype())) continue;
    const auto v = t.to_vector<double>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

}  // namespace

GradcheckResult gradcheck(const Function& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& o) {
  for (const Tensor& t : inputs)
    check(!t.defined() || !t.requires_grad() || t.dtype() == DType::f64,
          "gradcheck: inputs that require grad must be f64, got {} {}", t.shape(), t.dtype());
  // Every floating output is checked. One that does not require grad (computed outside the
  // graph, e.g. a backward that returned a detached gradient) has an analytic Jacobian of
  // zero, which the finite differences then contradict unless it really is constant.
  const std::vector<Tensor> all_outputs = f(inputs);
  std::vector<Tensor> outputs, diff_outputs;
  for (const Tensor& t : all_outputs)
    if (t.defined() && is_floating(t.dtype())) outputs.push_back(t);
  for (const Tensor& t : outputs)
    if (t.requires_grad()) diff_outputs.push_back(t);
  std::vector<std::size_t> checked;
  std::vector<Tensor> diff_inputs;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad())
      checked.push_back(i), diff_inputs.push_back(inputs[i]);
  if (diff_inputs.empty()) return {false, "gradcheck: no input requires grad"};

  std::int64_t n_out = 0;
  std::vector<std::size_t> output_of_row;  // which output each Jacobian row belongs to
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    n_out += outputs[k].numel();
    output_of_row.insert(output_of_row.end(), outputs[k].numel(), k);
  }

  // Analytic Jacobian rows: one backward per element of an output that requires grad.
  std::vector<std::vector<std::vector<double>>> analytic(diff_inputs.size());  // [input][out][in]
  for (std::size_t i = 0; i < diff_inputs.size(); ++i)
    analytic[i].assign(n_out, std::vector<double>(diff_inputs[i].numel(), 0.0));
  std::int64_t row = 0;
  for (const Tensor& out : outputs) {
    if (!out.requires_grad()) {
      row += out.numel();
      continue;
    }
    for (std::int64_t j = 0; j < out.numel(); ++j, ++row) {
      std::vector<Tensor> seeds;
      for (const Tensor& d : diff_outputs) {
        core::Tensor s = core::Tensor::zeros(d.shape(), d.dtype());
        if (d.impl() == out.impl()) s.reshape(Shape{-1}).select(0, j).fill_(1);
        seeds.push_back(Tensor(s));
      }
      const auto grads =
          grad(diff_outputs, diff_inputs, seeds, {.retain_graph = true, .allow_unused = true});
      for (std::size_t i = 0; i < diff_inputs.size(); ++i)
        if (grads[i].defined()) analytic[i][row] = grads[i].to_vector<double>();
    }
  }

  // Numerical Jacobian columns, perturbing each input element in place.
  for (std::size_t i = 0; i < diff_inputs.size(); ++i) {
    const core::Tensor data = diff_inputs[i].data();
    const core::Tensor flat = data.reshape(Shape{-1});
    check(flat.storage() == data.storage(), "gradcheck: input {} must be contiguous", checked[i]);
    for (std::int64_t e = 0; e < data.numel(); ++e) {
      double* p = flat.select(0, e).data<double>();
      const double saved = *p;
      *p = saved + o.eps;
      const auto plus = flat_outputs(f, inputs);
      *p = saved - o.eps;
      const auto minus = flat_outputs(f, inputs);
      *p = saved;
      if (static_cast<std::int64_t>(plus.size()) != n_out)
        return {false,
                "gradcheck: f returned a different number of output elements for a "
                "perturbed input"};
      for (std::int64_t r = 0; r < n_out; ++r) {
        const double numeric = (plus[r] - minus[r]) / (2 * o.eps);
        const double a = analytic[i][r][e];
        if (!(std::abs(a - numeric) <= o.atol + o.rtol * std::abs(numeric))) {
          const bool detached = !outputs[output_of_row[r]].requires_grad();
          return {false,
                  fmt::format("gradcheck: Jacobian mismatch for input {} (shape {}) element {} "
                              "and output element {}: analytic {:.10g} vs numerical {:.10g}{}",
                              checked[i], data.shape(), e, r, a, numeric,
                              detached ? fmt::format(" (output {} does not require grad: computed "
                                                     "outside the graph?)",
                                                     output_of_row[r])
                                       : "")};
        }
      }
    }
  }
  return {};
}

GradcheckResult gradgradcheck(const Function& f, const std::vector<Tensor>& inputs,
                              const GradcheckOptions& o) {
  const std::vector<Tensor> outputs = f(inputs);
  std::vector<Tensor> vs;  // fixed random output weights, themselves differentiated
  core::Generator gen(1234);
  for (const Tensor& t : outputs)
    if (t.defined() && t.requires_grad())
      vs.push_back(Tensor(core::normal(t.shape(), 0, 1, DType::f64, gen), true));
  const std::size_t n_in = inputs.size();
  auto first_order = [&](const std::vector<Tensor>& args) {
    GradModeGuard enable(true);  // also when gradcheck evaluates it for finite differences
    const std::vector<Tensor> xs(args.begin(), args.begin() + n_in);
    const std::vector<Tensor> v(args.begin() + n_in, args.end());
    std::vector<Tensor> outs, diff_in;
    for (const Tensor& t : f(xs))
      if (t.defined() && t.requires_grad()) outs.push_back(t);
    for (const Tensor& x : xs)
      if (x.defined() && x.requires_grad()) diff_in.push_back(x);
    // Every gradient, recorded or not: one that does not require grad although it depends on
    // the inputs (a backward that detached it) fails the check instead of being skipped.
    auto g = grad(outs, diff_in, v, {.create_graph = true, .allow_unused = true});
    std::vector<Tensor> result;
    for (Tensor& t : g)
      if (t.defined()) result.push_back(t);
    return result;
  };
  std::vector<Tensor> args = inputs;
  args.insert(args.end(), vs.begin(), vs.end());
  return gradcheck(first_order, args, o);
}

}  // namespace liandan::autograd
