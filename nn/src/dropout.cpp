// nn::Dropout.
#include "liandan/nn/dropout.hpp"

#include "liandan/nn/functional.hpp"
#include "repr.hpp"

namespace liandan::nn {

Dropout::Dropout(double p, core::Generator* gen) : p(p), generator(gen) {
  check(p >= 0 && p <= 1, "Dropout: probability must be in [0, 1], got {}", p);
}

Tensor Dropout::forward(const Tensor& x) {
  return functional::dropout(x, p, is_training(),
                             generator ? *generator : core::default_generator());
}

std::string Dropout::extra_repr() const { return "p=" + repr::py_float(p); }

}  // namespace liandan::nn
