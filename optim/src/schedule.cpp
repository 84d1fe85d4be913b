// optim::Schedule: the closed forms of schedule.hpp, each checking its arguments.
#include "liandan/optim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace liandan::optim {

Schedule::Schedule(std::string description, std::function<double(std::int64_t)> fn)
    : description_(std::move(description)), fn_(std::move(fn)) {
  check(bool(fn_), "Schedule {}: empty function", description_);
}

double Schedule::operator()(std::int64_t step) const {
  check(step >= 0, "Schedule {}: invalid step {} (must be >= 0)", description_, step);
  return fn_(step);
}

std::vector<double> Schedule::values(std::int64_t first, std::int64_t last) const {
  check(0 <= first && first <= last, "Schedule {}: invalid range [{}, {})", description_, first,
        last);
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(last - first));
  for (std::int64_t t = first; t < last; ++t) out.push_back(fn_(t));
  return out;
}

namespace {

// 0.5 (1 + cos(pi x)) for x in [0, 1]: 1 -> 0.
double half_cosine(double x) { return 0.5 * (1 + std::cos(std::numbers::pi * x)); }

void check_ratio(const char* schedule, const char* name, double r) {
  check(r >= 0 && r <= 1, "{}: invalid {} {} (must be in [0, 1])", schedule, name, r);
}

}  // namespace

Schedule constant(double value) {
  check(std::isfinite(value) && value >= 0, "constant: invalid value {} (must be >= 0)", value);
  return {fmt::format("constant({})", value), [value](std::int64_t) { return value; }};
}

Schedule linear_warmup(std::int64_t warmup_steps) {
  const std::int64_t w = warmup_steps;
  check(w >= 1, "linear_warmup: invalid warmup_steps {} (must be >= 1)", w);
  return {fmt::format("linear_warmup(warmup={})", w),
          [w](std::int64_t t) { return t < w ? double(t) / double(w) : 1.0; }};
}

Schedule cosine(std::int64_t steps, double min_ratio) {
  check(steps >= 1, "cosine: invalid steps {} (must be >= 1)", steps);
  check_ratio("cosine", "min_ratio", min_ratio);
  return {fmt::format("cosine(steps={}, min_ratio={})", steps, min_ratio),
          [steps, min_ratio](std::int64_t t) {
            const double x = double(std::min(t, steps)) / double(steps);
            return min_ratio + (1 - min_ratio) * half_cosine(x);
          }};
}

Schedule warmup_cosine(std::int64_t warmup_steps, std::int64_t total_steps, double min_ratio) {
  const std::int64_t w = warmup_steps, n = total_steps;
  check(0 <= w && w < n, "warmup_cosine: invalid warmup_steps {}, total_steps {} (need 0 <= W < T)",
        w, n);
  check_ratio("warmup_cosine", "min_ratio", min_ratio);
  return {fmt::format("warmup_cosine(warmup={}, total={}, min_ratio={})", w, n, min_ratio),
          [w, n, min_ratio](std::int64_t t) {
            if (t < w) return double(t) / double(w);
            const double x = double(std::min(t, n) - w) / double(n - w);
            return min_ratio + (1 - min_ratio) * half_cosine(x);
          }};
}

Schedule linear_decay(std::int64_t steps, double end_ratio) {
  check(steps >= 1, "linear_decay: invalid steps {} (must be >= 1)", steps);
  check(std::isfinite(end_ratio) && end_ratio >= 0,
        "linear_decay: invalid end_ratio {} (must be >= 0)", end_ratio);
  return {fmt::format("linear_decay(steps={}, end_ratio={})", steps, end_ratio),
          [steps, end_ratio](std::int64_t t) {
            if (t >= steps) return end_ratio;  // exactly, not 1 + (end_ratio - 1) * 1
            return 1 + (end_ratio - 1) * (double(t) / double(steps));
          }};
}

Schedule inverse_sqrt(std::int64_t warmup_steps) {
  const std::int64_t w = warmup_steps;
  check(w >= 1, "inverse_sqrt: invalid warmup_steps {} (must be >= 1)", w);
  return {fmt::format("inverse_sqrt(warmup={})", w), [w](std::int64_t t) {
            return t < w ? double(t) / double(w) : std::sqrt(double(w) / double(t));
          }};
}

Schedule amos_decay(std::int64_t half_life) {
  check(half_life >= 1, "amos_decay: invalid half_life {} (must be >= 1)", half_life);
  const double k = (std::sqrt(2.0) - 1) / double(half_life);  // alpha0 p
  return {fmt::format("amos_decay(half_life={})", half_life), [k](std::int64_t t) {
            const double x = 1 + k * double(t);
            return 1 / (x * x);
          }};
}

Schedule inverse_time_decay(std::int64_t half_life) {
  check(half_life >= 1, "inverse_time_decay: invalid half_life {} (must be >= 1)", half_life);
  return {fmt::format("inverse_time_decay(half_life={})", half_life),
          [half_life](std::int64_t t) { return 1 / (1 + double(t) / double(half_life)); }};
}

Schedule step_decay(std::int64_t step_size, double gamma) {
  check(step_size >= 1, "step_decay: invalid step_size {} (must be >= 1)", step_size);
  check(std::isfinite(gamma) && gamma >= 0, "step_decay: invalid gamma {} (must be >= 0)", gamma);
  return {fmt::format("step_decay(step_size={}, gamma={})", step_size, gamma),
          [step_size, gamma](std::int64_t t) { return std::pow(gamma, double(t / step_size)); }};
}

Schedule multi_step(std::vector<std::int64_t> milestones, double gamma) {
  check(std::isfinite(gamma) && gamma >= 0, "multi_step: invalid gamma {} (must be >= 0)", gamma);
  for (std::size_t i = 0; i < milestones.size(); ++i)
    check(milestones[i] >= 1 && (i == 0 || milestones[i] > milestones[i - 1]),
          "multi_step: milestones must be >= 1 and strictly increasing, got {} at index {}",
          milestones[i], i);
  std::string list;
  for (std::size_t i = 0; i < milestones.size(); ++i)
    list += (i ? ", " : "") + std::to_string(milestones[i]);
  return {fmt::format("multi_step(milestones=[{}], gamma={})", list, gamma),
          [milestones = std::move(milestones), gamma](std::int64_t t) {
            const auto passed =
                std::upper_bound(milestones.begin(), milestones.end(), t) - milestones.begin();
            return std::pow(gamma, double(passed));
          }};
}

Schedule wsd(std::int64_t warmup_steps, std::int64_t stable_steps, std::int64_t decay_steps,
             double end_ratio) {
  const std::int64_t w = warmup_steps, s = stable_steps, d = decay_steps;
  check(w >= 0 && s >= 0 && d >= 0,
        "wsd: invalid warmup {}, stable {}, decay {} steps (must be >= 0)", w, s, d);
  check(std::isfinite(end_ratio) && end_ratio >= 0, "wsd: invalid end_ratio {} (must be >= 0)",
        end_ratio);
  return {fmt::format("wsd(warmup={}, stable={}, decay={}, end_ratio={})", w, s, d, end_ratio),
          [w, s, d, end_ratio](std::int64_t t) {
            if (t < w) return double(t) / double(w);
            if (t < w + s) return 1.0;
            if (t >= w + s + d) return end_ratio;
            return 1 + (end_ratio - 1) * (double(t - w - s) / double(d));
          }};
}

Schedule then(const Schedule& first, std::int64_t steps, const Schedule& next) {
  check(steps >= 0, "then: invalid steps {} (must be >= 0)", steps);
  return {fmt::format("then({}, {}, {})", first.str(), steps, next.str()),
          [first, steps, next](std::int64_t t) { return t < steps ? first(t) : next(t - steps); }};
}

Schedule product(const Schedule& a, const Schedule& b) {
  return {fmt::format("product({}, {})", a.str(), b.str()),
          [a, b](std::int64_t t) { return a(t) * b(t); }};
}

void apply_schedule(Optimizer& opt, std::size_t group, const Schedule& schedule,
                    std::int64_t step) {
  check(group < opt.param_groups().size(), "apply_schedule: {} has {} param groups, no group {}",
        opt.name(), opt.param_groups().size(), group);
  const double lr = opt.initial_lr(group) * schedule(step);
  check(lr >= 0, "apply_schedule: {} at step {} gives lr {} in param group {} (must be >= 0)",
        schedule.str(), step, lr, group);
  opt.set_lr(group, lr);
}

void apply_schedule(Optimizer& opt, const Schedule& schedule, std::int64_t step) {
  for (std::size_t g = 0; g < opt.param_groups().size(); ++g)
    apply_schedule(opt, g, schedule, step);
}

}  // namespace liandan::optim
