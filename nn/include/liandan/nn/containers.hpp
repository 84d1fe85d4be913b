// Containers: Sequential (chains single-tensor modules) and ModuleList (owns modules, indexed);
// children are named "0", "1", ... as in PyTorch.
#pragma once

#include <memory>
#include <vector>

#include "liandan/nn/module.hpp"

namespace liandan::nn {

class ModuleList : public Module {
 public:
  ModuleList() = default;
  template <typename M>
  M& push_back(std::unique_ptr<M> module) {
    M& ref = *module;
    register_module(std::to_string(owned_.size()), ref);
    owned_.push_back(std::move(module));
    return ref;
  }
  template <typename M, typename... Args>
  M& emplace_back(Args&&... args) {
    return push_back(std::make_unique<M>(std::forward<Args>(args)...));
  }
  Module& operator[](std::size_t i) const { return *owned_.at(i); }
  std::size_t size() const { return owned_.size(); }
  std::string type_name() const override { return "ModuleList"; }

 private:
  std::vector<std::unique_ptr<Module>> owned_;
};

class Sequential : public ModuleList {
 public:
  Tensor forward(const Tensor& x) override {
    Tensor h = x;
    for (std::size_t i = 0; i < size(); ++i) h = (*this)[i](h);
    return h;
  }
  std::string type_name() const override { return "Sequential"; }
};

}  // namespace liandan::nn
