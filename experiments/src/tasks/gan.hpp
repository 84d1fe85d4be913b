// GAN training, shared by gan_mixture and gan_fashion (ALGORITHMS.md 8): how the critic is
// normalised and trained (model.critic, model.loss, model.n_dis, model.gp_lambda) and the
// multi-update step.
#pragma once

#include <functional>

#include "liandan/core/fields.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/nn/generative/gan_losses.hpp"

namespace liandan::experiments {

enum class CriticKind {
  gn,       // GN-GAN: the critic f_hat = f / (||grad f|| + |f|)
  gran,     // GraN-GAN: K f ||grad f|| / (||grad f||^2 + eps)
  wgan_gp,  // the raw critic, plus gp_lambda times the gradient penalty in the critic loss
  sn,       // spectral norm on every critic layer
};

struct GanObjective {
  CriticKind critic = CriticKind::gn;
  nn::generative::GanLoss loss = nn::generative::GanLoss::hinge;
  std::int64_t n_dis = 1;  // critic updates per step
  double gp_lambda = 0.1;  // wgan_gp only (gan_toy.py's 0.1; the paper's 10 for images)
};
// Its rows without the "model." a task embeds them under.
const Fields<GanObjective>& fields(const GanObjective*);

// The critic as the losses see it: f_hat (gn), g_hat (gran) or raw (wgan_gp, sn). (B, 1)
Tensor normalized_critic(CriticKind kind, const nn::generative::CriticFn& raw, const Tensor& x);

// The networks of one GAN step: raw(x) the critic's output (B, 1), generate(n, gen) n fakes from
// z ~ N(0, I) drawn from gen.
struct GanNets {
  nn::generative::CriticFn raw;
  std::function<Tensor(std::int64_t n, core::Generator& gen)> generate;
};

// One GAN step (Note [Multi-update steps]): n_dis critic updates ("critic."), the k-th on rows
// [k B, (k + 1) B) of real (n_dis B, ...) and B fakes, then one generator update ("generator.");
// noise from the default generator. Returns "loss" and "grad_norm" of the last critic update,
// "generator_loss" and "generator_grad_norm".
StepResult gan_step(const GanObjective& objective, const GanNets& nets, const Tensor& real,
                    std::int64_t batch, const UpdateFn& update);

}  // namespace liandan::experiments
