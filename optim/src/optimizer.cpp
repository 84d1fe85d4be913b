// optim::Optimizer: parameter groups, the step loop with its gradient checks, zero_grad and the
// state_dict of Note [Optimizer state_dict].
#include "liandan/optim/optimizer.hpp"

#include <set>

#include "liandan/autograd/grad_mode.hpp"

namespace liandan::optim {

Optimizer::Optimizer(std::string optimizer_name, std::vector<ParamGroup> groups, double default_lr,
                     double default_weight_decay)
    : name_(std::move(optimizer_name)), groups_(std::move(groups)) {
  std::set<std::string> names;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    ParamGroup& group = groups_[g];
    if (!group.lr) group.lr = default_lr;
    if (!group.weight_decay) group.weight_decay = default_weight_decay;
    check(*group.lr >= 0, "{}: invalid lr {} in param group {} (must be >= 0)", name(), *group.lr,
          g);
    check(*group.weight_decay >= 0, "{}: invalid weight_decay {} in param group {} (must be >= 0)",
          name(), *group.weight_decay, g);
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

std::vector<ParamGroup> single_group(const NamedTensors& named_parameters) {
  return {ParamGroup{named_parameters, std::nullopt, std::nullopt}};
}

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

NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  std::size_t index = 0;
  for (const ParamGroup& group : groups_)
    for (const auto& [key, p] : group.params)
      for (auto& [field_name, value] : save_state(index++))
        out.emplace_back("state." + key + "." + field_name, value);
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    out.emplace_back(prefix + "lr", Tensor(core::Tensor::scalar(*groups_[g].lr, DType::f64)));
    out.emplace_back(prefix + "weight_decay",
                     Tensor(core::Tensor::scalar(*groups_[g].weight_decay, DType::f64)));
  }
  return out;
}

void Optimizer::load_state_dict(const NamedTensors& state) {
  std::set<std::string> used;
  auto scalar_of = [&](const std::string& key) {
    for (const auto& [k, v] : state)
      if (k == key) {
        check(v.numel() == 1, "{}.load_state_dict: {} has shape {} (one element expected)", name(),
              key, v.shape().str());
        used.insert(key);
        return v.item();
      }
    throw Error(fmt::format("{}.load_state_dict: missing key {}", name(), key));
  };
  // Keys are all checked before any state changes (a bad field value may still fail midway).
  std::vector<double> lrs, wds;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    lrs.push_back(scalar_of(prefix + "lr"));
    wds.push_back(scalar_of(prefix + "weight_decay"));
  }
  std::vector<NamedTensors> fields(num_params_);
  std::size_t index = 0;
  for (const ParamGroup& group : groups_) {
    for (const auto& [key, p] : group.params) {
      const std::string prefix = "state." + key + ".";
      for (const auto& [k, v] : state) {
        const std::string rest = k.substr(std::min(prefix.size(), k.size()));
        if (k.starts_with(prefix) && !rest.empty() && rest.find('.') == std::string::npos) {
          fields[index].emplace_back(rest, v);
          used.insert(k);
        }
      }
      ++index;
    }
  }
  for (const auto& [k, v] : state)
    check(used.count(k) == 1, "{}.load_state_dict: unexpected key {}", name(), k);
  index = 0;
  for (const ParamGroup& group : groups_)
    for (const auto& [key, p] : group.params)
      load_state(index, key, p.data(), fields[index]), ++index;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    groups_[g].lr = lrs[g];
    groups_[g].weight_decay = wds[g];
  }
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

core::Tensor state_like(const std::string& param_name, const NamedTensors& fields,
                        const std::string& key, const core::Tensor& param) {
  const core::Tensor& t = field(param_name, fields, key);
  check(t.shape() == param.shape() && t.dtype() == param.dtype(),
        "optimizer state of {}: {} is {} {}, the parameter {} {}", param_name, key, t.shape().str(),
        name(t.dtype()), param.shape().str(), name(param.dtype()));
  return t.clone();
}

const core::Tensor& field(const std::string& param, const NamedTensors& fields,
                          const std::string& key) {
  for (const auto& [k, v] : fields)
    if (k == key) return v.data();
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
