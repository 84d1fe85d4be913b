// nn::Module: the base of every layer and model. Parameters, buffers and child modules are
// registered by name (one line each), so they are found by dotted path
// ("blocks.3.attn.qkv.weight") in a stable order that checkpoints and optimizers rely on.
//
// Note [Unregistered submodules]: a member module left out of register_modules would silently
// never be trained (parameters()), saved (state_dict()) or switched by train()/eval(). C++
// cannot enumerate an object's members, and the base class cannot learn the size of the derived
// object, so "every Module inside this object's memory" is not knowable without guessing (a
// guess would sooner or later blame an unrelated object that happens to sit next to a model).
// What is knowable is use: a module whose forward runs inside another module's forward is that
// module's submodule. So module(x) (and Module::call, which every multi-argument forward uses)
// keeps the modules whose forward is running on this thread, and calling a module that has no
// parent from inside another module's forward is an error naming both types and the caller's
// path, raised by the first forward, before any optimizer step. A module registered anywhere
// (a shared module registered in another model) is fine, and so is a root called from outside
// any forward (a critic in a GAN step, a model in generate()). A module that should be used
// but not trained (a frozen teacher) is registered and frozen with requires_grad_(false).
// Not covered: a member called only through its forward() method directly (which skips hooks
// too), and a plain Tensor member that is not register_parameter'ed (a constant, as a plain
// tensor attribute is in PyTorch).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "liandan/autograd/named_parameters.hpp"
#include "liandan/autograd/tensor.hpp"
#include "liandan/core/named_tensors.hpp"

namespace liandan::nn {

// Module errors carry the dotted path of the innermost module whose forward failed.
class ModuleError : public Error {
 public:
  using Error::Error;
};

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  // Children and parameters are registered by address: a module stays where it was built.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // ---- registration
  // `slot` is a member of the derived module; it is marked as requiring grad.
  void register_parameter(const std::string& name, Tensor& slot);
  void register_buffer(const std::string& name, Tensor& slot);
  // Removes a parameter's registration and returns its slot, whose value is then computed each
  // forward by a parametrisation that owns the leaf (see SpectralNorm).
  Tensor& unregister_parameter(const std::string& name);
  void register_module(const std::string& name, Module& child);
  void register_modules(std::initializer_list<std::pair<const char*, Module&>> children);

  // ---- the forward, with hooks and the module path in errors
  // Single-tensor modules implement forward(); call them as module(x).
  virtual Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x);
  // Runs fn with errors prefixed by this module's path: for forwards with other signatures.
  template <typename F>
  auto call(F&& fn) -> decltype(fn());

  using ForwardPreHook = std::function<Tensor(Module&, const Tensor& input)>;  // may replace input
  using ForwardHook = std::function<Tensor(Module&, const Tensor& input, const Tensor& output)>;
  using BackwardHook = std::function<Tensor(Module&, const Tensor& grad_output)>;
  void register_forward_pre_hook(ForwardPreHook hook) { pre_hooks_.push_back(std::move(hook)); }
  void register_forward_hook(ForwardHook hook) { post_hooks_.push_back(std::move(hook)); }
  // Runs on the gradient of the module's output (may replace it).
  void register_backward_hook(BackwardHook hook) { backward_hooks_.push_back(std::move(hook)); }

  // ---- traversal, in registration order
  // A parameter shared by two modules (weight tying) is listed once, under its first name.
  NamedParameters named_parameters(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  core::NamedTensors named_buffers(bool recurse = true) const;  // data shared, not copied
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, Module*>> named_children() const;
  std::vector<Module*> children() const;
  // This module first, then every descendant, depth first; names are dotted paths.
  std::vector<std::pair<std::string, Module*>> named_modules();
  std::vector<Module*> modules();
  std::int64_t num_parameters() const;

  // ---- state
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad(bool set_to_none = true);
  void requires_grad_(bool requires_grad);  // freeze (false) or unfreeze
  void apply(const std::function<void(Module&)>& fn);

  // Parameters and buffers by dotted name, in registration order: each module's parameters, its
  // buffers, then its children's. Plain data (Note [Named tensors]), shared, not copied.
  core::NamedTensors state_dict() const;
  // Copies values in place. strict: a missing or unexpected key is an error; a shape or
  // dtype mismatch always is. Errors name the key and both shapes.
  void load_state_dict(const core::NamedTensors& state, bool strict = true);

  // ---- printing, like PyTorch's print(model)
  virtual std::string type_name() const { return "Module"; }
  virtual std::string extra_repr() const { return ""; }
  std::string str() const;
  // The dotted path from the outermost registered parent ("" for a root).
  std::string path() const;

 private:
  // While a module's forward runs: checks that a module called from another module's forward is
  // registered somewhere, and keeps the thread's stack of running forwards.
  class ForwardScope {
   public:
    explicit ForwardScope(const Module& module);
    ~ForwardScope();
    ForwardScope(const ForwardScope&) = delete;
    ForwardScope& operator=(const ForwardScope&) = delete;
  };

  // Calls fn(dotted name, slot) for every defined parameter (or buffer) of this module and, with
  // recurse, of its descendants, in registration order.
  void for_each_slot(const std::string& prefix, bool recurse, bool buffers,
                     const std::function<void(std::string, const Tensor&)>& fn) const;
  [[noreturn]] void rethrow_with_path(const std::exception& e) const;

  std::vector<std::pair<std::string, Tensor*>> parameters_;
  std::vector<std::pair<std::string, Tensor*>> buffers_;
  std::vector<std::pair<std::string, Module*>> children_;
  Module* parent_ = nullptr;
  std::string name_in_parent_;
  bool training_ = true;
  std::vector<ForwardPreHook> pre_hooks_;
  std::vector<ForwardHook> post_hooks_;
  std::vector<BackwardHook> backward_hooks_;
};

template <typename F>
auto Module::call(F&& fn) -> decltype(fn()) {
  try {
    const ForwardScope scope(*this);  // Note [Unregistered submodules]
    return fn();
  } catch (const ModuleError&) {
    throw;
  } catch (const std::exception& e) {
    rethrow_with_path(e);
  }
}

}  // namespace liandan::nn
