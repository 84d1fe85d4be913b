// optim::Schedule: learning-rate schedules as functions of the step (ALGORITHMS.md section 4),
// composable with then() and product(), printable with str(), and apply_schedule() to set a
// parameter group's lr from one.
//
// Note [Schedule convention]: a Schedule returns a MULTIPLIER of a base lr (as PyTorch's
// LambdaLR), not an lr: the same schedule serves every group, and apply_schedule sets
// lr = initial_lr * schedule(step) per group. step counts the optimizer steps already taken, from 0
// (PyTorch's last_epoch): the first update uses schedule(0). So a linear warmup over W steps
// gives 0 at the first update and reaches 1 at step W, ALGORITHMS.md's lr_peak * t / W.
// Steps past a schedule's end hold its last value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

class Schedule {
 public:
  // fn(step) for step >= 0; description is what str() returns.
  Schedule(std::string description, std::function<double(std::int64_t)> fn);

  // The multiplier at step (>= 0, checked).
  double operator()(std::int64_t step) const;
  // The multipliers at steps first, first + 1, ..., last - 1 (0 <= first <= last), for plots.
  std::vector<double> values(std::int64_t first, std::int64_t last) const;
  // E.g. "then(linear_warmup(warmup=100), 100, cosine(steps=900, min_ratio=0.1))".
  const std::string& str() const { return description_; }

 private:
  std::string description_;
  std::function<double(std::int64_t)> fn_;
};

// value at every step.
Schedule constant(double value = 1);
// t / W for t < W, then 1 (W = warmup_steps >= 1).
Schedule linear_warmup(std::int64_t warmup_steps);
// Cosine from 1 down to min_ratio over T = steps (SGDR without restarts, Loshchilov & Hutter,
// arXiv 1608.03983): min_ratio + 0.5 (1 - min_ratio) (1 + cos(pi min(t, T) / T)).
Schedule cosine(std::int64_t steps, double min_ratio = 0);
// ALGORITHMS.md section 4 with lr_min = min_ratio * lr_peak: t / W for t < W, then
// min_ratio + 0.5 (1 - min_ratio) (1 + cos(pi (min(t, T) - W) / (T - W))). 0 <= W < T.
// Equal to then(linear_warmup(W), W, cosine(T - W, min_ratio)) for W >= 1.
Schedule warmup_cosine(std::int64_t warmup_steps, std::int64_t total_steps, double min_ratio = 0);
// Linear from 1 to end_ratio over T = steps: 1 + (end_ratio - 1) min(t, T) / T.
Schedule linear_decay(std::int64_t steps, double end_ratio = 0);
// Vaswani et al., arXiv 1706.03762, eq. (3) normalized to peak 1 at t = W:
// min(t / W, sqrt(W / t)) (0 at t = 0). W = warmup_steps >= 1.
Schedule inverse_sqrt(std::int64_t warmup_steps);
// The Amos-derived decays (Su, kexue.fm/archives/9344; ALGORITHMS.md section 4). Requiring the
// weight decay rho_t = O(alpha_t^2) as Amos does, a constant convergence rate p gives
// f(t) = 1 / (alpha0 p t + 1)^2; choosing the step T where f halves fixes alpha0 p =
// (sqrt(2) - 1) / T: f(t) = 1 / (1 + (sqrt(2) - 1) t / T)^2. With it, a per-tensor lr
// alpha0 * sigma (GroupBuilder::lr_mult, Amos's eta) and weight decay alpha0^2 / 2 complete his
// recipe for Adam-like optimizers.
Schedule amos_decay(std::int64_t half_life);
// The inverse-time decay of the same derivation when the convergence rate decays like the
// error (the form Su considers more plausible): f(t) = 1 / (1 + t / T), T the half life.
Schedule inverse_time_decay(std::int64_t half_life);
// gamma ^ floor(t / step_size) (PyTorch's StepLR).
Schedule step_decay(std::int64_t step_size, double gamma);
// gamma ^ (number of milestones <= t); milestones strictly increasing, >= 1 (PyTorch's
// MultiStepLR).
Schedule multi_step(std::vector<std::int64_t> milestones, double gamma);
// Warmup-stable-decay (Hu et al., "MiniCPM", arXiv 2404.06395, Sec. 4): t / W for t < W; 1 for
// the next `stable` steps; then linear from 1 to end_ratio over `decay` steps; then end_ratio.
// The decay is linear here (MiniCPM decays exponentially; linear and 1 - sqrt are common too;
// for another shape write then(..., stable_end, your_decay)). W, stable, decay >= 0.
Schedule wsd(std::int64_t warmup_steps, std::int64_t stable_steps, std::int64_t decay_steps,
             double end_ratio = 0);

// first(t) for t < steps, then next(t - steps): next starts from its own step 0. steps >= 0.
Schedule then(const Schedule& first, std::int64_t steps, const Schedule& next);
// a(t) * b(t), e.g. product(constant(0.5), cosine(1000)).
Schedule product(const Schedule& a, const Schedule& b);

// Sets the lr of param group `group` to its initial_lr (the lr it was built with, lr_mult
// included; Note [Group options]) times schedule(step). Call it before opt.step() with the
// number of steps taken. The second form sets every group.
void apply_schedule(Optimizer& opt, std::size_t group, const Schedule& schedule, std::int64_t step);
void apply_schedule(Optimizer& opt, const Schedule& schedule, std::int64_t step);

}  // namespace liandan::optim
