// NamedParameters: a model's parameters by dotted name ("blocks.3.attn.qkv.weight") in
// registration order: what nn::Module::named_parameters() returns and what optimizers take, so
// optim needs the tape and not nn. Unlike NamedTensors (plain data, Note [Named tensors] in
// core/named_tensors.hpp) it holds autograd Tensors, whose .grad an optimizer reads.
#pragma once

#include <initializer_list>
#include <string>

#include "liandan/autograd/tensor.hpp"
#include "liandan/core/named_tensors.hpp"

namespace liandan {

class NamedParameters : public core::NamedList<Tensor> {
 public:
  NamedParameters() : NamedList("NamedParameters", "parameter") {}
  NamedParameters(std::initializer_list<Item> items);
  // A parameter is a defined leaf: the graph reads it and never computes it, so its gradient
  // accumulates in .grad. Registration marks it as requiring grad; a frozen one
  // (requires_grad_(false)) is still a parameter, as in PyTorch. Errors name the parameter.
  void add(std::string name, Tensor parameter);
};

}  // namespace liandan
