// GAN training (gan.hpp).
#include "tasks/gan.hpp"

#include "liandan/autograd/autograd.hpp"
#include "liandan/core/random.hpp"

namespace liandan::experiments {
namespace generative = nn::generative;

const Fields<GanObjective>& fields(const GanObjective*) {
  static const Fields<GanObjective> table = {
      choice("critic", &GanObjective::critic, "critic normalisation",
             {"gn", "gran", "wgan_gp", "sn"}),
      choice("loss", &GanObjective::loss, "GAN loss", {"wasserstein", "hinge", "non_saturating"}),
      integer("n_dis", &GanObjective::n_dis, "critic updates per step", {.min = 1}),
      number("gp_lambda", &GanObjective::gp_lambda, "weight of the gradient penalty (wgan_gp)",
             {.min = 0}),
  };
  return table;
}

Tensor normalized_critic(CriticKind kind, const generative::CriticFn& raw, const Tensor& x) {
  switch (kind) {
    case CriticKind::gn:
      return generative::gradient_normalized(raw, x);
    case CriticKind::gran:
      return generative::piecewise_gradient_normalized(raw, x);
    case CriticKind::wgan_gp:
    case CriticKind::sn:
      break;
  }
  return raw(x);
}

StepResult gan_step(const GanObjective& o, const GanNets& nets, const Tensor& real_all,
                    std::int64_t b, const UpdateFn& update) {
  check(real_all.size(0) == o.n_dis * b, "gan_step: {} real rows for n_dis {} x batch {}",
        real_all.size(0), o.n_dis, b);
  core::Generator& noise = core::default_generator();
  StepResult result;
  for (std::int64_t k = 0; k < o.n_dis; ++k) {
    const Tensor real = narrow(real_all, 0, k * b, b);  // (B, ...)
    Tensor fake;
    {
      NoGradGuard no_grad;
      fake = nets.generate(b, noise);
    }
    Tensor d_loss = generative::critic_loss(o.loss, normalized_critic(o.critic, nets.raw, real),
                                            normalized_critic(o.critic, nets.raw, fake));
    if (o.critic == CriticKind::wgan_gp)
      d_loss = d_loss + generative::gradient_penalty(nets.raw, real, fake, noise) * o.gp_lambda;
    result.grad_norm = update(d_loss, "critic.");
    result.loss = d_loss;
  }
  const Tensor g_loss = generative::generator_loss(
      o.loss, normalized_critic(o.critic, nets.raw, nets.generate(b, noise)));
  result.extra["generator_grad_norm"] = update(g_loss, "generator.");
  result.extra["generator_loss"] = g_loss.item();
  return result;
}

}  // namespace liandan::experiments
