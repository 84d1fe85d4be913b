// optim::Optimizer: parameter checks, the step loop with its gradient checks, zero_grad and the
// state_dict of Note [Optimizer state_dict], with the tensor form of an option.
#include "liandan/optim/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/ranges.h>

#include "liandan/autograd/grad_mode.hpp"

namespace liandan::optim {

Optimizer::Optimizer(std::string optimizer_name, std::vector<ParamGroup> groups)
    : name_(std::move(optimizer_name)), groups_(std::move(groups)) {
  std::set<std::string> names;
  for (const ParamGroup& group : groups_) {
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

std::vector<ParamGroup> single_group(const NamedParameters& named_parameters) {
  return {ParamGroup{.params = named_parameters}};
}

std::pair<std::size_t, std::size_t> Optimizer::locate(std::size_t index) const {
  std::size_t offset = index;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    if (offset < groups_[g].params.size()) return {g, offset};
    offset -= groups_[g].params.size();
  }
  throw Error(fmt::format("{}: no parameter {} (it has {})", name(), index, num_params_));
}

const std::pair<std::string, Tensor>& Optimizer::param(std::size_t index) const {
  const auto [group, offset] = locate(index);
  return groups_[group].params.items()[offset];
}

void Optimizer::step() {
  NoGradGuard no_grad;
  std::size_t index = 0;
  for (std::size_t group = 0; group < groups_.size(); ++group) {
    for (const auto& [key, p] : groups_[group].params) {
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
        update_param(group, index, param, grad);
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

core::Tensor option_tensor(FieldKind kind, const FieldValue& value,
                           const std::vector<std::string>& choices) {
  switch (kind) {
    case FieldKind::flag:
      return core::Tensor::scalar(std::get<bool>(value) ? 1.0 : 0.0, DType::f64);
    case FieldKind::integer:
      return core::Tensor::scalar(double(std::get<std::int64_t>(value)), DType::f64);
    case FieldKind::number:
      return core::Tensor::scalar(std::get<double>(value), DType::f64);
    case FieldKind::choice: {
      const auto it = std::find(choices.begin(), choices.end(), std::get<std::string>(value));
      return core::Tensor::scalar(double(it - choices.begin()), DType::f64);
    }
    case FieldKind::axes: {
      const Axes& axes = std::get<Axes>(value);
      return core::Tensor::from(std::span<const std::int64_t>(axes),
                                Shape{static_cast<std::int64_t>(axes.size())});
    }
    case FieldKind::text:
      break;
  }
  throw Error(fmt::format("option_tensor: a text option ({}) has no tensor form", str(value)));
}

FieldValue option_value(const std::string& key, const core::Tensor& t, FieldKind kind,
                        const std::vector<std::string>& choices) {
  if (kind == FieldKind::axes) {
    check(t.dim() == 1 && t.dtype() == DType::i64,
          "load_state_dict: {} is {} {} (1-D i64 expected)", key, t.shape().str(), name(t.dtype()));
    return t.to_vector<std::int64_t>();
  }
  check(t.numel() == 1, "load_state_dict: {} has shape {} (one element expected)", key,
        t.shape().str());
  const double x = t.item();
  switch (kind) {
    case FieldKind::flag:
      return x != 0;
    case FieldKind::integer:
      return std::int64_t(x);
    case FieldKind::choice:
      check(x >= 0 && x < double(choices.size()) && std::trunc(x) == x,
            "load_state_dict: {} is {}, not the index of one of {}", key, x,
            fmt::join(choices, ", "));
      return choices[std::size_t(x)];
    default:
      return x;
  }
}

NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  std::size_t index = 0;
  for (const ParamGroup& group : groups_)
    for (const auto& [key, p] : group.params)
      for (auto& [field_name, value] : save_state(index++))
        out.add("state." + key + "." + field_name, value);
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (auto& [option, value] : save_group_options(g))
      out.add("param_groups." + std::to_string(g) + "." + option, value);
  return out;
}

namespace {

// The entries of state named prefix + field (field without a dot), as (field, tensor); each
// one taken is added to used.
NamedTensors fields_under(const NamedTensors& state, const std::string& prefix,
                          std::set<std::string>& used) {
  NamedTensors out;
  for (const auto& [k, v] : state) {
    const std::string rest = k.substr(std::min(prefix.size(), k.size()));
    if (k.starts_with(prefix) && !rest.empty() && rest.find('.') == std::string::npos) {
      out.add(rest, v);
      used.insert(k);
    }
  }
  return out;
}

}  // namespace

void Optimizer::load_state_dict(const NamedTensors& state) {
  // Keys are all checked before any state changes (a bad field value may still fail midway).
  std::set<std::string> used;
  std::vector<NamedTensors> options(groups_.size());
  for (std::size_t g = 0; g < groups_.size(); ++g)
    options[g] = fields_under(state, "param_groups." + std::to_string(g) + ".", used);
  std::vector<NamedTensors> fields;
  for (const ParamGroup& group : groups_)
    for (const auto& [key, p] : group.params)
      fields.push_back(fields_under(state, "state." + key + ".", used));
  for (const auto& [k, v] : state)
    check(used.count(k) == 1, "{}.load_state_dict: unexpected key {}", name(), k);
  load_group_options(options);
  std::size_t index = 0;
  for (const ParamGroup& group : groups_)
    for (const auto& [key, p] : group.params)
      load_state(index, key, p.data(), fields[index]), ++index;
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
