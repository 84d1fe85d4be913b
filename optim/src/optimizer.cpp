// optim::Optimizer: parameter groups and their options (Note [Group options]), the step loop
// with its gradient checks, zero_grad and the state_dict of Note [Optimizer state_dict].
#include "liandan/optim/optimizer.hpp"

#include <set>

#include <fmt/ranges.h>

#include "liandan/autograd/grad_mode.hpp"

namespace liandan::optim {

std::string str(const OptionValue& value) {
  if (const double* x = std::get_if<double>(&value)) return fmt::format("{}", *x);
  return fmt::format("[{}]", fmt::join(std::get<Axes>(value), ", "));
}

double ParamGroup::number(const std::string& key) const {
  const auto it = options.find(key);
  check(it != options.end(), "param group: no option {}", key);
  const double* x = std::get_if<double>(&it->second);
  check(x != nullptr, "param group: option {} is {}, not a number", key, str(it->second));
  return *x;
}

const Axes& ParamGroup::axes(const std::string& key) const {
  const auto it = options.find(key);
  check(it != options.end(), "param group: no option {}", key);
  const Axes* x = std::get_if<Axes>(&it->second);
  check(x != nullptr, "param group: option {} is {}, not a list of axes", key, str(it->second));
  return *x;
}

Optimizer::Optimizer(std::string optimizer_name, std::vector<ParamGroup> groups,
                     std::vector<OptionSpec> specs)
    : name_(std::move(optimizer_name)), groups_(std::move(groups)), specs_(std::move(specs)) {
  specs_.push_back({"lr_mult", 1.0});
  constexpr std::size_t kDefaults = ~std::size_t(0);
  for (const OptionSpec& spec : specs_)
    if (spec.has_default) check_option(spec.name, spec.default_value, kDefaults);
  std::set<std::string> names;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    ParamGroup& group = groups_[g];
    for (const auto& [key, value] : group.options) check_option(key, value, g);
    for (const OptionSpec& spec : specs_)
      if (spec.has_default && !group.has(spec.name)) group.options[spec.name] = spec.default_value;
    const double lr = group.number("lr") * group.number("lr_mult");
    group.options["lr"] = lr;
    group.options["initial_lr"] = lr;
    for (const auto& [key, p] : group.params) {
      check(p.defined(), "{}: parameter {} is undefined", name(), key);
      check(p.is_leaf(), "{}: parameter {} is not a leaf", name(), key);
      check(p.dtype() == DType::f32 || p.dtype() == DType::f64,
            "{}: parameter {} has dtype {} (f32 or f64 expected)", name(), key,
            liandan::name(p.dtype()));
      check(p.data().is_contiguous(), "{}: parameter {} {} is not contiguous", name(), key,
            p.shape().str());
      check(!key.empty() && names.insert(key).second,
            "{}: parameter name '{}' is empty or appears twice", name(), key);
      ++num_params_;
    }
  }
}

void Optimizer::check_option(const std::string& key, const OptionValue& value,
                             std::size_t group) const {
  const std::string where =
      group == ~std::size_t(0) ? "" : fmt::format(" in param group {}", group);
  const OptionSpec* spec = nullptr;
  for (const OptionSpec& s : specs_)
    if (s.name == key) spec = &s;
  if (spec == nullptr) {
    std::vector<std::string> known;
    for (const OptionSpec& s : specs_) known.push_back(s.name);
    throw Error(fmt::format("{}: unknown option '{}'{} ({}'s options: {})", name(), key, where,
                            name(), fmt::join(known, ", ")));
  }
  check(value.index() == spec->default_value.index(), "{}: option {}{} is {}, expected {}", name(),
        key, where, str(value),
        std::holds_alternative<double>(spec->default_value) ? "a number" : "a list of axes");
  if (const double* x = std::get_if<double>(&value)) {
    const bool ok = *x >= spec->min && (spec->max_open ? *x < spec->max : *x <= spec->max);
    if (spec->max >= 1e300)
      check(ok, "{}: invalid {} {}{} (must be >= {})", name(), key, *x, where, spec->min);
    else
      check(ok, "{}: invalid {} {}{} (must be in [{}, {}{})", name(), key, *x, where, spec->min,
            spec->max, spec->max_open ? ")" : "]");
  }
}

std::vector<ParamGroup> single_group(const NamedParameters& named_parameters) {
  return {ParamGroup{named_parameters, {}}};
}

std::pair<const ParamGroup*, std::size_t> Optimizer::locate(std::size_t index) const {
  std::size_t offset = index;
  for (const ParamGroup& group : groups_) {
    if (offset < group.params.size()) return {&group, offset};
    offset -= group.params.size();
  }
  throw Error(fmt::format("{}: no parameter {} (it has {})", name(), index, num_params_));
}

const ParamGroup& Optimizer::group_of(std::size_t index) const { return *locate(index).first; }

const std::pair<std::string, Tensor>& Optimizer::param(std::size_t index) const {
  const auto [group, offset] = locate(index);
  return group->params.items()[offset];
}

Options Optimizer::per_param_options(std::size_t index) const { return group_of(index).options; }

void Optimizer::step() {
  NoGradGuard no_grad;
  std::size_t index = 0;
  for (const ParamGroup& group : groups_) {
    for (const auto& [key, p] : group.params) {
      const Tensor g = p.grad();
      if (g.defined()) {
        const core::Tensor& param = p.data();
        const core::Tensor& grad = g.data();
        check(grad.shape() == param.shape() && grad.dtype() == param.dtype(),
              "{}.step: gradient of {} is {} {}, the parameter {} {}", name(), key,
              grad.shape().str(), liandan::name(grad.dtype()), param.shape().str(),
              liandan::name(param.dtype()));
        check(param.is_contiguous() && grad.is_contiguous(),
              "{}.step: parameter {} or its gradient is not contiguous", name(), key);
        update(group, index, param, grad);
        param.bump_version();
      }
      ++index;
    }
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  for (const ParamGroup& group : groups_)
    for (const auto& [key, p] : group.params) p.zero_grad(set_to_none);
}

namespace {

core::Tensor option_tensor(const OptionValue& value) {
  if (const double* x = std::get_if<double>(&value)) return core::Tensor::scalar(*x, DType::f64);
  const Axes& axes = std::get<Axes>(value);
  return core::Tensor::from(std::span<const std::int64_t>(axes),
                            Shape{static_cast<std::int64_t>(axes.size())});
}

OptionValue option_value(const std::string& key, const core::Tensor& t, bool is_number) {
  if (is_number) {
    check(t.numel() == 1, "load_state_dict: {} has shape {} (one element expected)", key,
          t.shape().str());
    return t.item();
  }
  check(t.dim() == 1 && t.dtype() == DType::i64, "load_state_dict: {} is {} {} (1-D i64 expected)",
        key, t.shape().str(), name(t.dtype()));
  return t.to_vector<std::int64_t>();
}

}  // namespace

NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  std::size_t index = 0;
  for (const ParamGroup& group : groups_)
    for (const auto& [key, p] : group.params)
      for (auto& [field_name, value] : save_state(index++))
        out.add("state." + key + "." + field_name, value);
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (const auto& [key, value] : groups_[g].options)
      out.add("param_groups." + std::to_string(g) + "." + key, option_tensor(value));
  return out;
}

void Optimizer::load_state_dict(const NamedTensors& state) {
  std::set<std::string> used;
  auto find = [&](const std::string& key) -> const core::Tensor& {
    for (const auto& [k, v] : state)
      if (k == key) {
        used.insert(key);
        return v;
      }
    throw Error(fmt::format("{}.load_state_dict: missing key {}", name(), key));
  };
  // Keys are all checked before any state changes (a bad field value may still fail midway).
  std::vector<Options> options(groups_.size());
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (const auto& [key, value] : groups_[g].options) {
      const std::string k = "param_groups." + std::to_string(g) + "." + key;
      options[g][key] = option_value(k, find(k), std::holds_alternative<double>(value));
    }
  std::vector<NamedTensors> fields(num_params_);
  std::size_t index = 0;
  for (const ParamGroup& group : groups_) {
    for (const auto& [key, p] : group.params) {
      const std::string prefix = "state." + key + ".";
      for (const auto& [k, v] : state) {
        const std::string rest = k.substr(std::min(prefix.size(), k.size()));
        if (k.starts_with(prefix) && !rest.empty() && rest.find('.') == std::string::npos) {
          fields[index].add(rest, v);
          used.insert(k);
        }
      }
      ++index;
    }
  }
  for (const auto& [k, v] : state)
    check(used.count(k) == 1, "{}.load_state_dict: unexpected key {}", name(), k);
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (const auto& [key, value] : options[g])
      if (key != "initial_lr") check_option(key, value, g);
  index = 0;
  for (const ParamGroup& group : groups_)
    for (const auto& [key, p] : group.params)
      load_state(index, key, p.data(), fields[index]), ++index;
  for (std::size_t g = 0; g < groups_.size(); ++g) groups_[g].options = std::move(options[g]);
}

core::Tensor step_tensor(std::int64_t step) {
  return core::Tensor::scalar(double(step), DType::i64);
}

std::int64_t step_value(const std::string& param_name, const NamedTensors& fields) {
  const core::Tensor& t = field(param_name, fields, "step");
  check(t.dim() == 0 && t.dtype() == DType::i64,
        "optimizer state of {}: step must be a 0-dim i64 counter, got {} {}", param_name,
        t.shape().str(), name(t.dtype()));
  const auto step = t.item<std::int64_t>();
  check(step >= 0, "optimizer state of {}: negative step {}", param_name, step);
  return step;
}

core::Tensor state_of_shape(const std::string& param_name, const NamedTensors& fields,
                            const std::string& key, const Shape& shape, DType dtype) {
  const core::Tensor& t = field(param_name, fields, key);
  check(t.shape() == shape && t.dtype() == dtype,
        "optimizer state of {}: {} is {} {}, expected {} {}", param_name, key, t.shape().str(),
        name(t.dtype()), shape.str(), name(dtype));
  return t.clone();
}

core::Tensor state_like(const std::string& param_name, const NamedTensors& fields,
                        const std::string& key, const core::Tensor& param) {
  return state_of_shape(param_name, fields, key, param.shape(), param.dtype());
}

const core::Tensor& field(const std::string& param, const NamedTensors& fields,
                          const std::string& key) {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  throw Error(fmt::format("optimizer state of {}: missing field {}", param, key));
}

void check_fields(const std::string& param, const NamedTensors& fields,
                  std::initializer_list<const char*> allowed) {
  for (const auto& [k, v] : fields) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    check(ok, "optimizer state of {}: unexpected field {}", param, k);
  }
}

}  // namespace liandan::optim
