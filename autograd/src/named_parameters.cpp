// NamedParameters: the leaf check on add.
#include "liandan/autograd/named_parameters.hpp"

#include <utility>

namespace liandan {

NamedParameters::NamedParameters(std::initializer_list<Item> items) : NamedParameters() {
  for (const auto& [name, parameter] : items) add(name, parameter);
}

void NamedParameters::add(std::string name, Tensor parameter) {
  check(parameter.defined(), "NamedParameters: parameter '{}' is undefined", name);
  check(parameter.is_leaf(),
        "NamedParameters: parameter '{}' is not a leaf (it was computed by an op; a parameter is "
        "a tensor that ops read, as Tensor(data, true) or x.detach().requires_grad_())",
        name);
  insert(std::move(name), std::move(parameter));
}

}  // namespace liandan
