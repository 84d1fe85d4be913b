// optim::Muon: MomentUm Orthogonalized by Newton-Schulz (K. Jordan et al. 2024, KellerJordan/Muon;
// Liu et al., "Muon is Scalable for LLM Training", arXiv 2502.16982, MoonshotAI/Moonlight;
// ALGORITHMS.md section 9b). Hidden 2-D weights (conv kernels flattened to (out, rest)) get
//   M = mu M + G ;  X = nesterov ? G + mu M : M ;  O = NS5(X) ~ U V^T of X's SVD
//   theta = theta (1 - lr wd) - lr scale O
// and every other parameter gets AdamW (PyTorch's form) with the same lr and weight decay.
//
// Note [Which parameters use Muon]: the options (or a group) may set muon to true or false for
// their parameters; otherwise use_muon(name, shape) decides. The default: at least 2 dims, and no
// component of the dotted name starts with "embed" or is "head", "lm_head", "classifier" or
// "output" (embeddings and output layers are AdamW's, as in both references). Set the option with a
// group rule when your model names them otherwise.
//
// Newton-Schulz runs in the parameter's dtype (the reference uses bf16) with core::matmul: a few
// small matrix products per weight and step, the only temporaries of any optimizer here.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

enum class MuonScale {
  moonshot,  // 0.2 sqrt(max(rows, cols)): the update's RMS matches AdamW's (Moonlight)
  jordan,    // sqrt(max(1, rows / cols)) (KellerJordan/Muon)
};

bool default_use_muon(const std::string& name, const Shape& shape);

// Moonlight's defaults.
struct MuonOptions {
  double lr = 1e-3;
  double momentum = 0.95;
  double weight_decay = 0.1;
  double beta1 = 0.9;  // AdamW part
  double beta2 = 0.95;
  double eps = 1e-8;
  bool nesterov = true;
  int ns_steps = 5;
  MuonScale scale = MuonScale::moonshot;
  std::optional<bool> muon{};  // unset: use_muon per parameter
  std::function<bool(const std::string&, const Shape&)> use_muon = default_use_muon;
};

inline const Fields<MuonOptions>& fields(const MuonOptions*) {
  static const Fields<MuonOptions> table = {
      number("lr", &MuonOptions::lr, "learning rate (Muon and its AdamW part)", {.min = 0}),
      number("momentum", &MuonOptions::momentum, "momentum of the Muon update",
             {.min = 0, .max = 1, .open_max = true}),
      number("weight_decay", &MuonOptions::weight_decay,
             "decoupled weight decay: p *= 1 - lr * weight_decay", {.min = 0}),
      number("beta1", &MuonOptions::beta1, "AdamW part: decay of the first moment",
             {.min = 0, .max = 1, .open_max = true}),
      number("beta2", &MuonOptions::beta2, "AdamW part: decay of the second moment",
             {.min = 0, .max = 1, .open_max = true}),
      number("eps", &MuonOptions::eps, "AdamW part: added to the bias-corrected sqrt(v)",
             {.min = 0}),
      flag("nesterov", &MuonOptions::nesterov, "Nesterov momentum"),
      integer("ns_steps", &MuonOptions::ns_steps, "Newton-Schulz iterations", {.min = 1}),
      choice("scale", &MuonOptions::scale,
             "update scale: moonshot 0.2 sqrt(max(r, c)), jordan sqrt(max(1, r/c))",
             {"moonshot", "jordan"}),
      flag("muon", &MuonOptions::muon, "Muon (true) or AdamW (false) (unset: per parameter)"),
  };
  return table;
}

struct MuonState {
  std::int64_t step = 0;
  core::Tensor momentum_buffer;  // Muon parameters
  core::Tensor exp_avg;          // AdamW parameters
  core::Tensor exp_avg_sq;
};

// NS5 of ALGORITHMS.md section 9b: x (rows, cols) -> approximately U V^T.
core::Tensor newton_schulz(const core::Tensor& x, int steps = 5);

class Muon : public OptimizerOf<MuonOptions> {
 public:
  Muon(std::vector<ParamGroup> groups, const MuonOptions& options = {});
  Muon(const NamedParameters& named_parameters, const MuonOptions& options = {})
      : Muon(single_group(named_parameters), options) {}

  bool uses_muon(std::size_t index) const { return muon_[index]; }

 protected:
  // Its group's options with the parameter's choice of update.
  MuonOptions param_options(std::size_t index) const override;
  void update(const MuonOptions& o, std::size_t index, const core::Tensor& param,
              const core::Tensor& grad) override;
  NamedTensors save_state(std::size_t index) const override;
  void load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                  const NamedTensors& fields) override;

 private:
  std::vector<bool> muon_;
  std::vector<std::optional<MuonState>> state_;
};

}  // namespace liandan::optim
