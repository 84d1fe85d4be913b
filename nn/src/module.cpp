// nn::Module: registration, traversal, train/eval, state_dict, hooks, printing.
#include "liandan/nn/module.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "liandan/autograd/anomaly_mode.hpp"

namespace liandan::nn {

void Module::register_parameter(const std::string& name, Tensor& slot) {
  check(slot.defined(), "register_parameter: '{}' is undefined", name);
  check(slot.is_leaf(), "register_parameter: '{}' must be a leaf tensor (use detach())", name);
  slot.requires_grad_(true);
  parameters_.emplace_back(name, &slot);
}

void Module::register_buffer(const std::string& name, Tensor& slot) {
  buffers_.emplace_back(name, &slot);
}

Tensor& Module::unregister_parameter(const std::string& name) {
  auto it = std::find_if(parameters_.begin(), parameters_.end(),
                         [&](const auto& p) { return p.first == name; });
  check(it != parameters_.end(), "unregister_parameter: {} has no parameter '{}'", type_name(),
        name);
  Tensor& slot = *it->second;
  parameters_.erase(it);
  return slot;
}

void Module::register_module(const std::string& name, Module& child) {
  check(&child != this, "register_module: a module cannot contain itself ('{}')", name);
  children_.emplace_back(name, &child);
  child.parent_ = this;
  child.name_in_parent_ = name;
}

void Module::register_modules(std::initializer_list<std::pair<const char*, Module&>> children) {
  for (const auto& [name, child] : children) register_module(name, child);
}

// ---- forward

namespace {
thread_local std::vector<const Module*> running_forwards;  // innermost last
}  // namespace

Module::ForwardScope::ForwardScope(const Module& module) {
  if (!running_forwards.empty() && module.parent_ == nullptr &&
      std::find(running_forwards.begin(), running_forwards.end(), &module) ==
          running_forwards.end()) {
    const Module& caller = *running_forwards.back();
    const std::string where = caller.path().empty() ? caller.type_name() : caller.path();
    throw ModuleError(fmt::format(
        "{}: the forward of {} calls a {} that is not registered: register it in {}'s "
        "constructor (register_module or register_modules), or it is never trained, saved or "
        "switched by train()/eval() (Note [Unregistered submodules] in nn/module.hpp)",
        where, caller.type_name(), module.type_name(), caller.type_name()));
  }
  running_forwards.push_back(&module);
}

Module::ForwardScope::~ForwardScope() { running_forwards.pop_back(); }

Tensor Module::forward(const Tensor&) {
  throw Error(fmt::format("{} has no single-tensor forward", type_name()));
}

Tensor Module::operator()(const Tensor& x) {
  std::optional<AnomalyScope> scope;  // nodes created below remember this module
  if (AnomalyMode::enabled()) scope.emplace(path().empty() ? type_name() : path());
  return call([&] {
    Tensor input = x;
    for (const ForwardPreHook& hook : pre_hooks_)
      if (Tensor r = hook(*this, input); r.defined()) input = r;
    Tensor out = forward(input);
    for (const ForwardHook& hook : post_hooks_)
      if (Tensor r = hook(*this, input, out); r.defined()) out = r;
    if (!backward_hooks_.empty() && out.requires_grad()) {
      out.register_hook([this](const Tensor& g) {
        Tensor grad = g;
        for (const BackwardHook& hook : backward_hooks_)
          if (Tensor r = hook(*this, grad); r.defined()) grad = r;
        return grad;
      });
    }
    return out;
  });
}

std::string Module::path() const {
  std::string p = name_in_parent_;
  for (const Module* m = parent_; m && m->parent_; m = m->parent_) p = m->name_in_parent_ + "." + p;
  return p;
}

// Prefixes the module's path; a root module is named by its type, unless the message already
// starts with it (a layer's own check).
void Module::rethrow_with_path(const std::exception& e) const {
  const std::string what = e.what(), p = path();
  if (p.empty() && what.starts_with(type_name() + ":")) throw ModuleError(what);
  throw ModuleError(fmt::format("{}: {}", p.empty() ? type_name() : p, what));
}

// ---- traversal

void Module::for_each_slot(const std::string& prefix, bool recurse, bool buffers,
                           const std::function<void(std::string, const Tensor&)>& fn) const {
  for (const auto& [name, slot] : buffers ? buffers_ : parameters_)
    if (slot->defined()) fn(prefix + name, *slot);
  if (!recurse) return;
  for (const auto& [name, child] : children_)
    child->for_each_slot(prefix + name + ".", true, buffers, fn);
}

NamedParameters Module::named_parameters(bool recurse) const {
  NamedParameters out;
  std::set<const TensorImpl*> seen;
  for_each_slot("", recurse, false, [&](std::string name, const Tensor& p) {
    if (seen.insert(p.impl()).second) out.add(std::move(name), p);
  });
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (const auto& [name, p] : named_parameters(recurse)) out.push_back(p);
  return out;
}

core::NamedTensors Module::named_buffers(bool recurse) const {
  core::NamedTensors out;
  for_each_slot("", recurse, true,
                [&](std::string name, const Tensor& b) { out.add(std::move(name), b.data()); });
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for_each_slot("", recurse, true, [&](const std::string&, const Tensor& b) { out.push_back(b); });
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_children() const { return children_; }

std::vector<Module*> Module::children() const {
  std::vector<Module*> out;
  for (const auto& [name, child] : children_) out.push_back(child);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out{{"", this}};
  for (std::size_t i = 0; i < out.size(); ++i) {  // breadth of each level, depth-first order below
    auto [prefix, m] = out[i];
    std::vector<std::pair<std::string, Module*>> kids;
    for (const auto& [name, child] : m->children_)
      kids.emplace_back(prefix.empty() ? name : prefix + "." + name, child);
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(i) + 1, kids.begin(), kids.end());
  }
  return out;
}

std::vector<Module*> Module::modules() {
  std::vector<Module*> out;
  for (auto& [name, m] : named_modules()) out.push_back(m);
  return out;
}

std::int64_t Module::num_parameters() const {
  std::int64_t n = 0;
  for (const Tensor& p : parameters()) n += p.numel();
  return n;
}

// ---- state

void Module::train(bool on) {
  for (Module* m : modules()) m->training_ = on;
}

void Module::zero_grad(bool set_to_none) {
  for (const Tensor& p : parameters()) p.zero_grad(set_to_none);
}

void Module::requires_grad_(bool requires_grad) {
  for (const Tensor& p : parameters()) p.requires_grad_(requires_grad);
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (Module* m : modules()) fn(*m);
}

core::NamedTensors Module::state_dict() const {
  core::NamedTensors out;
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m,
                                                                    const std::string& prefix) {
    for (const auto& [name, slot] : m.parameters_)
      if (slot->defined()) out.add(prefix + name, slot->data());
    for (const auto& [name, slot] : m.buffers_)
      if (slot->defined()) out.add(prefix + name, slot->data());
    for (const auto& [name, child] : m.children_) walk(*child, prefix + name + ".");
  };
  walk(*this, "");
  return out;
}

void Module::load_state_dict(const core::NamedTensors& state, bool strict) {
  const core::NamedTensors own = state_dict();
  for (const auto& [name, slot] : own) {
    if (!state.contains(name)) {
      check(!strict, "load_state_dict: missing key '{}' (shape {})", name, slot.shape());
      continue;
    }
    const core::Tensor& value = state[name];
    check(value.shape() == slot.shape(),
          "load_state_dict: shape mismatch for '{}': checkpoint has {}, model has {}", name,
          value.shape(), slot.shape());
    check(value.dtype() == slot.dtype(),
          "load_state_dict: dtype mismatch for '{}': checkpoint has {}, model has {}", name,
          value.dtype(), slot.dtype());
    slot.copy_(value);
  }
  if (strict)
    for (const auto& [name, value] : state)
      check(own.contains(name), "load_state_dict: unexpected key '{}'", name);
}

// ---- printing

std::string Module::str() const {
  // As PyTorch: extra_repr inline for a leaf, else on its own line above the children.
  const std::string extra = extra_repr();
  std::string s = type_name() + "(";
  if (children_.empty()) return s + extra + ")";
  s += "\n";
  if (!extra.empty()) s += "  " + extra + "\n";
  for (const auto& [name, child] : children_) {
    std::string inner = child->str();
    std::string indented;
    for (char c : inner) indented += c == '\n' ? std::string("\n  ") : std::string(1, c);
    s += "  (" + name + "): " + indented + "\n";
  }
  return s + ")";
}

}  // namespace liandan::nn
