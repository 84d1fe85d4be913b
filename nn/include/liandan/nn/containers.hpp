// Containers: Sequential (chains single-tensor modules), ModuleList (owns modules, indexed;
// children named "0", "1", ... as in PyTorch) and ModuleDict (owns modules by name, in
// insertion order).
#pragma once

#include <map>
#include <memory>
#include <string>
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

class ModuleDict : public Module {
 public:
  template <typename M>
  M& insert(const std::string& key, std::unique_ptr<M> module) {
    check(!contains(key), "ModuleDict: key '{}' is already present", key);
    M& ref = *module;
    register_module(key, ref);
    owned_.emplace(key, std::move(module));
    return ref;
  }
  template <typename M, typename... Args>
  M& emplace(const std::string& key, Args&&... args) {
    return insert(key, std::make_unique<M>(std::forward<Args>(args)...));
  }
  Module& operator[](const std::string& key) const {
    auto it = owned_.find(key);
    check(it != owned_.end(), "ModuleDict: no key '{}'", key);
    return *it->second;
  }
  bool contains(const std::string& key) const { return owned_.count(key) > 0; }
  std::size_t size() const { return owned_.size(); }
  std::vector<std::string> keys() const {  // insertion order
    std::vector<std::string> out;
    for (const auto& [name, child] : named_children()) out.push_back(name);
    return out;
  }
  std::string type_name() const override { return "ModuleDict"; }

 private:
  std::map<std::string, std::unique_ptr<Module>> owned_;
};

}  // namespace liandan::nn
