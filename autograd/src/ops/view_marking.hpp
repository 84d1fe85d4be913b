// Internal: results of view ops share storage with their input; in-place ops on such a view of
// a tensor that requires grad are refused (see Note [In-place ops] in inplace.cpp).
#pragma once

#include "liandan/autograd/tensor.hpp"

namespace liandan {

inline Tensor mark_view(Tensor out, const Tensor& base) {
  if (base.requires_grad() || base.impl()->is_view_of_grad_tensor)
    const_cast<TensorImpl*>(out.impl())->is_view_of_grad_tensor = true;
  return out;
}

}  // namespace liandan
