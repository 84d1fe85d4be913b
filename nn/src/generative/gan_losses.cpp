// GAN losses, the gradient penalty and the gradient normalisations.
#include "liandan/nn/generative/gan_losses.hpp"

#include "liandan/autograd/engine.hpp"
#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/nn/losses.hpp"

namespace liandan::nn::generative {
namespace {

Tensor bce_logits(const Tensor& logits, double target) {
  return binary_cross_entropy_with_logits(logits,
                                          full(logits.shape(), target, {.dtype = logits.dtype()}));
}

// (B) or (B, 1) -> (B, 1), checked.
Tensor as_column(const Tensor& f, std::int64_t batch, const char* what) {
  check((f.dim() == 1 || (f.dim() == 2 && f.size(1) == 1)) && f.size(0) == batch,
        "{}: the critic must return (B) or (B, 1) for a batch of {}, got {}", what, batch,
        f.shape());
  return f.dim() == 1 ? unsqueeze(f, 1) : f;
}

}  // namespace

Tensor critic_loss(GanLoss loss, const Tensor& real_out, const Tensor& fake_out) {
  switch (loss) {
    case GanLoss::wasserstein:
      return mean(fake_out) - mean(real_out);
    case GanLoss::hinge:
      return mean(relu(1.0 - real_out)) + mean(relu(1.0 + fake_out));
    case GanLoss::non_saturating:
      return bce_logits(real_out, 1) + bce_logits(fake_out, 0);
  }
  throw Error("critic_loss: unknown loss");
}

Tensor generator_loss(GanLoss loss, const Tensor& fake_out) {
  switch (loss) {
    case GanLoss::wasserstein:
    case GanLoss::hinge:
      return -mean(fake_out);
    case GanLoss::non_saturating:
      return bce_logits(fake_out, 1);
  }
  throw Error("generator_loss: unknown loss");
}

CriticGradient critic_gradient(const CriticFn& critic, const Tensor& x) {
  check(x.dim() >= 2, "critic_gradient: x must be batched (B, ...), got {}", x.shape());
  // Under NoGradGuard (evaluation, finite differences) the input gradient is still needed: it
  // is taken with grad mode on, and the results are returned outside any graph.
  const bool record = GradMode::enabled();
  GradModeGuard enable(true);
  const Tensor input = x.requires_grad() ? x : x.detach().requires_grad_();
  const Tensor f = as_column(critic(input), x.size(0), "critic_gradient");
  const Tensor g = autograd::grad({f}, {input}, {ones(f.shape(), {.dtype = f.dtype()})},
                                  {.create_graph = record})[0];
  const Tensor n = norm(flatten(g, 1), 2, {1}, /*keepdim=*/true);
  if (record) return {f, n};
  return {f.detach(), n.detach()};
}

Tensor gradient_normalized(const CriticFn& critic, const Tensor& x) {
  const CriticGradient c = critic_gradient(critic, x);
  return c.out / (c.grad_norm + abs(c.out));
}

Tensor piecewise_gradient_normalized(const CriticFn& critic, const Tensor& x, const GraNOptions& options) {
  check(options.K > 0 && options.eps >= 0,
        "piecewise_gradient_normalized: need K > 0 and "
        "eps >= 0, got K = {}, eps = {}",
        options.K, options.eps);
  const CriticGradient c = critic_gradient(critic, x);
  return c.out * c.grad_norm * options.K / (c.grad_norm * c.grad_norm + options.eps);
}

Tensor gradient_penalty(const CriticFn& critic, const Tensor& real, const Tensor& fake,
                        const Tensor& alpha) {
  check(real.shape() == fake.shape() && real.dim() >= 2,
        "gradient_penalty: real {} and fake {} must be batches of one shape", real.shape(),
        fake.shape());
  check(alpha.dim() == 1 && alpha.size(0) == real.size(0),
        "gradient_penalty: alpha must be ({}), got {}", real.size(0), alpha.shape());
  Shape bshape = Shape::filled(real.dim(), 1);
  bshape[0] = real.size(0);
  const Tensor a = view(alpha.detach(), bshape);
  // The interpolates are a leaf (as torch's x_hat.requires_grad_()): no gradient to G.
  const Tensor x_hat = (a * real.detach() + (1.0 - a) * fake.detach()).detach();
  const CriticGradient c = critic_gradient(critic, x_hat);
  const Tensor gap = c.grad_norm - 1.0;
  return mean(gap * gap);
}

Tensor gradient_penalty(const CriticFn& critic, const Tensor& real, const Tensor& fake,
                        core::Generator& gen) {
  return gradient_penalty(critic, real, fake,
                          Tensor(core::uniform({real.size(0)}, 0, 1, real.dtype(), gen)));
}

}  // namespace liandan::nn::generative
