// The schedule table: each schedule's options struct, its field table and its builder side by
// side (the formulas are optim/schedule.hpp's).
#include "liandan/experiments/schedules.hpp"

#include <fmt/format.h>

namespace liandan::experiments {
namespace {

// W steps of linear warmup in front of after (none when W = 0).
optim::Schedule with_warmup(std::int64_t warmup_steps, const optim::Schedule& after) {
  return warmup_steps == 0 ? after
                           : optim::then(optim::linear_warmup(warmup_steps), warmup_steps, after);
}

void check_warmup(std::int64_t warmup_steps, std::int64_t total_steps, const std::string& where) {
  check(warmup_steps < total_steps, "{}.warmup_steps: {} must be less than train.steps {}", where,
        warmup_steps, total_steps);
}

struct Constant {
  optim::Schedule make(std::int64_t, const std::string&) const { return optim::constant(); }
};
const Fields<Constant>& fields(const Constant*) {
  static const Fields<Constant> table = {};
  return table;
}

struct WarmupCosine {
  std::int64_t warmup_steps = 0;
  double min_ratio = 0;
  optim::Schedule make(std::int64_t total_steps, const std::string& where) const {
    check_warmup(warmup_steps, total_steps, where);
    return optim::warmup_cosine(warmup_steps, total_steps, min_ratio);
  }
};
const Fields<WarmupCosine>& fields(const WarmupCosine*) {
  using S = WarmupCosine;
  static const Fields<S> table = {
      integer("warmup_steps", &S::warmup_steps, "linear warmup steps", {.min = 0}),
      number("min_ratio", &S::min_ratio, "final lr / peak lr", {.min = 0, .max = 1}),
  };
  return table;
}

struct Linear {
  std::int64_t warmup_steps = 0;
  double end_ratio = 0;
  optim::Schedule make(std::int64_t total_steps, const std::string& where) const {
    check_warmup(warmup_steps, total_steps, where);
    return with_warmup(warmup_steps, optim::linear_decay(total_steps - warmup_steps, end_ratio));
  }
};
const Fields<Linear>& fields(const Linear*) {
  using S = Linear;
  static const Fields<S> table = {
      integer("warmup_steps", &S::warmup_steps, "linear warmup steps", {.min = 0}),
      number("end_ratio", &S::end_ratio, "final lr / peak lr", {.min = 0, .max = 1}),
  };
  return table;
}

struct InverseSqrt {
  std::int64_t warmup_steps = 100;
  optim::Schedule make(std::int64_t, const std::string&) const {
    return optim::inverse_sqrt(warmup_steps);
  }
};
const Fields<InverseSqrt>& fields(const InverseSqrt*) {
  static const Fields<InverseSqrt> table = {
      integer("warmup_steps", &InverseSqrt::warmup_steps, "steps to the peak", {.min = 1}),
  };
  return table;
}

struct Step {
  std::int64_t step_size = 100;
  double gamma = 0.1;
  optim::Schedule make(std::int64_t, const std::string&) const {
    return optim::step_decay(step_size, gamma);
  }
};
const Fields<Step>& fields(const Step*) {
  static const Fields<Step> table = {
      integer("step_size", &Step::step_size, "steps between decays", {.min = 1}),
      number("gamma", &Step::gamma, "decay factor"),
  };
  return table;
}

struct Wsd {
  std::int64_t warmup_steps = 0;
  double decay_fraction = 0.2;
  double end_ratio = 0;
  optim::Schedule make(std::int64_t total_steps, const std::string& where) const {
    const auto decay = static_cast<std::int64_t>(decay_fraction * static_cast<double>(total_steps));
    check(warmup_steps + decay <= total_steps,
          "{}: warmup_steps {} + decay steps {} exceed train.steps {}", where, warmup_steps, decay,
          total_steps);
    return optim::wsd(warmup_steps, total_steps - warmup_steps - decay, decay, end_ratio);
  }
};
const Fields<Wsd>& fields(const Wsd*) {
  using S = Wsd;
  static const Fields<S> table = {
      integer("warmup_steps", &S::warmup_steps, "linear warmup steps", {.min = 0}),
      number("decay_fraction", &S::decay_fraction, "fraction of train.steps spent decaying",
             {.min = 0, .max = 1}),
      number("end_ratio", &S::end_ratio, "final lr / peak lr", {.min = 0, .max = 1}),
  };
  return table;
}

// The two decays Su derives from Amos (optim::amos_decay, optim::inverse_time_decay), each
// after an optional warmup.
template <optim::Schedule (*Decay)(std::int64_t)>
struct HalfLifeDecay {
  std::int64_t warmup_steps = 0;
  std::int64_t half_life = 1000;
  optim::Schedule make(std::int64_t, const std::string&) const {
    return with_warmup(warmup_steps, Decay(half_life));
  }
};
template <optim::Schedule (*Decay)(std::int64_t)>
const Fields<HalfLifeDecay<Decay>>& fields(const HalfLifeDecay<Decay>*) {
  using S = HalfLifeDecay<Decay>;
  static const Fields<S> table = {
      integer("warmup_steps", &S::warmup_steps, "linear warmup steps", {.min = 0}),
      integer("half_life", &S::half_life, "steps after the warmup at which the lr has halved",
              {.min = 1}),
  };
  return table;
}

}  // namespace

const std::vector<ScheduleEntry>& schedule_table() {
  static const std::vector<ScheduleEntry> table = {
      schedule_entry<Constant>("constant", "1 at every step"),
      schedule_entry<WarmupCosine>(
          "warmup_cosine", "linear warmup, then a cosine from 1 down to min_ratio at train.steps"),
      schedule_entry<Linear>("linear",
                             "linear warmup, then linear from 1 to end_ratio at train.steps"),
      schedule_entry<InverseSqrt>("inverse_sqrt",
                                  "min(t / W, sqrt(W / t)), W = warmup_steps (Vaswani et al.)"),
      schedule_entry<Step>("step", "gamma ^ floor(t / step_size) (PyTorch's StepLR)"),
      schedule_entry<Wsd>("wsd",
                          "warmup, stable at 1, then linear to end_ratio over the last "
                          "decay_fraction of train.steps (MiniCPM)"),
      schedule_entry<HalfLifeDecay<optim::amos_decay>>(
          "amos_decay", "warmup, then 1 / (1 + (sqrt 2 - 1) t / half_life)^2 (Su's Amos decay)"),
      schedule_entry<HalfLifeDecay<optim::inverse_time_decay>>(
          "inverse_time", "warmup, then 1 / (1 + t / half_life)"),
  };
  return table;
}

std::vector<Key> schedule_keys() {
  std::vector<std::string> names;
  for (const ScheduleEntry& e : schedule_table()) names.push_back(e.name);
  std::vector<Key> keys = {{.path = "schedule.name",
                            .type = Type::string,
                            .fallback = "constant",
                            .help = "the lr schedule (a multiplier of each group's lr)",
                            .choices = names}};
  for (const ScheduleEntry& e : schedule_table())
    keys.insert(keys.end(), e.keys.begin(), e.keys.end());
  return keys;
}

std::string schedule_options_markdown() {
  std::string out;
  for (const ScheduleEntry& e : schedule_table()) {
    const std::string table =
        e.keys.empty()
            ? std::string()
            : fmt::format("\n{}", markdown_table(e.keys, fmt::format("schedule.{}.", e.name)));
    out += fmt::format("{}`schedule.name: {}`: {}\n{}", out.empty() ? "" : "\n", e.name, e.help,
                       table);
  }
  return out;
}

optim::Schedule make_schedule(const Config& config) {
  const auto name = config.get<std::string>("schedule.name");
  for (const ScheduleEntry& e : schedule_table())
    if (e.name == name) return e.build(config, config.get<std::int64_t>("train.steps"));
  throw Error(fmt::format("schedule.name: unknown schedule '{}'", name));
}

}  // namespace liandan::experiments
