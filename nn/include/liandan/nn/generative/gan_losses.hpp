// GAN objectives (ALGORITHMS.md 8): the Wasserstein, hinge and non-saturating losses, the WGAN-GP
// gradient penalty (Gulrajani et al., arXiv 1704.00028), GN-GAN's gradient-normalised critic
// (Wu et al., arXiv 2109.02235) and GraN-GAN's piecewise variant (Bhaskara et al., arXiv
// 2111.03162). The penalty and both normalisations differentiate the critic's input gradient,
// so a step through them runs double backward. Dims: B = batch; critic outputs are (B, 1).
#pragma once

#include <functional>

#include "liandan/core/random.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::nn::generative {

// A critic as a function (B, ...) -> (B, 1) or (B); a module converts with
// [&](const Tensor& x) { return critic(x); }.
using CriticFn = std::function<Tensor(const Tensor&)>;

enum class GanLoss {
  wasserstein,     // D: -mean f(real) + mean f(fake);             G: -mean f(fake)
  hinge,           // D: mean relu(1 - f(real)) + mean relu(1 + f(fake)); G: -mean f(fake)
  non_saturating,  // D: BCE-logits(f(real), 1) + BCE-logits(f(fake), 0); G: BCE(f(fake), 1)
};

// The critic's (discriminator's) loss from its outputs on real and fake batches. ()
Tensor critic_loss(GanLoss loss, const Tensor& real_out, const Tensor& fake_out);
// The generator's loss from the critic's outputs on a fake batch. ()
Tensor generator_loss(GanLoss loss, const Tensor& fake_out);

struct CriticGradient {
  Tensor out;        // (B, 1) f(x)
  Tensor grad_norm;  // (B, 1) ||grad_x f(x)||_2 over all of a sample's input dims
};

// f(x) and the norm of its input gradient per sample, recorded (create_graph) so that both can
// be differentiated again. x that does not require grad is detached into a leaf that does (as
// x.requires_grad_() in PyTorch); x from a generator keeps its graph. Under NoGradGuard the
// values are computed all the same and returned without a graph.
CriticGradient critic_gradient(const CriticFn& critic, const Tensor& x);

// GN-GAN: f_hat(x) = f(x) / (||grad_x f(x)|| + |f(x)|), in [-1, 1], no eps (as the reference
// models/gradnorm.py). (B, 1)
Tensor gradient_normalized(const CriticFn& critic, const Tensor& x);

struct GraNOptions {
  double K = 1.0;      // the Lipschitz constant of each linear piece
  double eps = 1e-12;  // keeps the division finite where the gradient vanishes
};

// GraN-GAN: g_hat(x) = K f(x) ||grad f|| / (||grad f||^2 + eps), ~ K f / ||grad f||: K-Lipschitz
// on each piece of a piecewise-linear f, unbounded and discontinuous across pieces. The form is
// Su's summary (kexue.fm/archives/8757) with the paper's K; where K enters and the defaults are
// not verified against the authors' code (ALGORITHMS.md 8b). (B, 1)
Tensor piecewise_gradient_normalized(const CriticFn& critic, const Tensor& x,
                                     const GraNOptions& options = {});

// WGAN-GP: mean_i (||grad f(x_i)|| - 1)^2 at x_i = alpha_i real_i + (1 - alpha_i) fake_i, alpha
// (B) in [0, 1]; multiply by lambda (10 in the paper, 0.1 in gan_toy.py) yourself. ()
Tensor gradient_penalty(const CriticFn& critic, const Tensor& real, const Tensor& fake,
                        const Tensor& alpha);
// The same with alpha ~ U(0, 1) from gen.
Tensor gradient_penalty(const CriticFn& critic, const Tensor& real, const Tensor& fake,
                        core::Generator& gen = core::default_generator());

}  // namespace liandan::nn::generative
