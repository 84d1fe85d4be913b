// nn::MLP: the transformer feed-forward block, x -> fc2(act(fc1 x)), or its gated (GLU)
// variant x -> fc2(act(gate x) * fc1 x) (Shazeer 2020, "GLU Variants Improve Transformer":
// silu gives SwiGLU, gelu GeGLU, sigmoid the original GLU), then dropout (as GPT-2's).
#pragma once

#include <optional>

#include "liandan/nn/activation.hpp"
#include "liandan/nn/dropout.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::nn {

struct MLPOptions {
  Activation activation = Activation::gelu;
  bool glu = false;               // gated: a second input projection `gate`, activated
  double dropout = 0;             // on the output, in training
  bool bias = true;               // on every projection
  std::int64_t out_features = 0;  // 0: the input size
  DType dtype = DType::f32;
};

class MLP : public Module {
 public:
  MLP(std::int64_t in_features, std::int64_t hidden_features, const MLPOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (..., in) -> (..., out)
  std::string type_name() const override { return "MLP"; }
  std::string extra_repr() const override;

  Activation activation;
  Linear fc1;                  // in -> hidden
  std::optional<Linear> gate;  // in -> hidden, the activated branch (glu only)
  Linear fc2;                  // hidden -> out
  Dropout dropout;
};

}  // namespace liandan::nn
