// NamedTensors: tensors by name in a fixed order (a state_dict, a checkpoint, a batch, a sampler
// state), and NamedList, the ordered name -> value list it shares with autograd's NamedParameters.
//
// Note [Named tensors]: one type for every "dict of tensors" below the experiments. It lives in
// core and holds core::Tensors because everything it carries is plain data: data/ (which sits on
// core alone) makes batches and sampler states with it, a module's state_dict shares the data of
// the parameters and buffers without their autograd state (what PyTorch's state_dict returns
// under no_grad), an optimizer's state_dict is copies of its buffers, and a checkpoint is what
// was saved. What is differentiable, a model's parameters, is autograd's NamedParameters, built
// on the same NamedList. Names are unique (a second add of a name is an error) and the order is
// the order of add, which checkpoints and optimizers rely on. Entries sit in a vector and lookup
// by name is a linear scan: iteration in order is the common use, and these hold at most a few
// hundred entries, looked up when a state is loaded.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "liandan/core/error.hpp"
#include "liandan/core/tensor.hpp"

namespace liandan::core {

// Values by unique name in insertion order (Note [Named tensors]). The derived type says what
// it holds, for errors ("NamedTensors: no tensor named 'w' (have: a, b)"), and offers add().
template <typename Value>
class NamedList {
 public:
  using Item = std::pair<std::string, Value>;

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.cbegin(); }
  auto end() const { return items_.cend(); }
  // The entries in order, for positional access where the order itself is the contract.
  const std::vector<Item>& items() const { return items_; }

  bool contains(std::string_view name) const {
    return std::any_of(items_.begin(), items_.end(),
                       [&](const Item& item) { return item.first == name; });
  }
  // The value called name; an Error naming it and every name present when there is none.
  const Value& operator[](std::string_view name) const {
    for (const Item& item : items_)
      if (item.first == name) return item.second;
    throw Error(fmt::format("{}: no {} named '{}' (have: {})", type_, noun_, name,
                            fmt::join(names(), ", ")));
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.first);
    return out;
  }

 protected:
  // type and noun are string literals: "NamedTensors", "tensor".
  NamedList(const char* type, const char* noun) : type_(type), noun_(noun) {}
  // Appends (name, value); a name already present is an Error naming it.
  void insert(std::string name, Value value) {
    check(!contains(name), "{}: duplicate name '{}'", type_, name);
    items_.emplace_back(std::move(name), std::move(value));
  }

 private:
  std::vector<Item> items_;
  const char* type_;
  const char* noun_;
};

class NamedTensors : public NamedList<Tensor> {
 public:
  NamedTensors() : NamedList("NamedTensors", "tensor") {}
  NamedTensors(std::initializer_list<Item> items) : NamedTensors() {
    for (const auto& [name, tensor] : items) add(name, tensor);
  }
  void add(std::string name, Tensor tensor) { insert(std::move(name), std::move(tensor)); }

  // Counters and seeds (a step, a generator's offset, a sampler's position) are one-element i64
  // tensors, exact where a double would round beyond 2^53. add_integer stores one; integer reads
  // one back, an Error naming the entry when it is missing or not one i64.
  void add_integer(std::string name, std::int64_t value) {
    add(std::move(name), Tensor::from<std::int64_t>({value}, {}));
  }
  std::int64_t integer(std::string_view name) const {
    const Tensor& t = (*this)[name];
    check(t.dtype() == DType::i64 && t.numel() == 1,
          "NamedTensors: '{}' must hold one i64, got {} of shape {}", name, t.dtype(), t.shape());
    return t.item<std::int64_t>();
  }
};

}  // namespace liandan::core
