// bench_models: one training step (forward, backward, AdamW lr 3e-4 wd 0.1) of the GPT models of
// bench_models_torch.py, built with nn::GPT: learned positions, pre-LN blocks, GELU MLP 4d, tied
// head, vocab 256, causal softmax or causal linear attention (elu + 1, chunk 64). One model per
// process so that peak RSS is the model's own; prints one JSON line like the PyTorch side.
//   bench_models MODEL [--threads 2] [--min-time 10] [--min-steps 5]
// MODEL gn_gan times a GN-GAN step instead (bench_gn_gan; no PyTorch side).
// Timing as Note [Bench timing] in bench_core.cpp: two warm-up steps, then steps timed one by one
// until there are min_steps of them and min_time seconds; the median step is reported.
// The one structural difference: nn::MultiHeadAttention projects q, k and v with three Linears
// where the PyTorch side uses one fused (C, 3C) Linear; same parameters, same function.
#include <fmt/core.h>
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "liandan/autograd/grad_mode.hpp"
#include "liandan/core/random.hpp"
#include "liandan/nn/generative/gan.hpp"
#include "liandan/nn/generative/gan_losses.hpp"
#include "liandan/nn/losses.hpp"
#include "liandan/nn/models/gpt.hpp"
#include "liandan/optim/adam.hpp"
#include "liandan/optim/adamw.hpp"

using namespace liandan;

namespace {

struct ModelShape {
  std::int64_t layers, d_model, heads, seq_len, batch;
  nn::AttentionKind attention;
};

// The shapes of bench_models_torch.py's MODELS.
const std::map<std::string, ModelShape> kModels = {
    {"gpt_small", {4, 256, 4, 128, 16, nn::AttentionKind::softmax}},
    {"gpt_medium", {6, 512, 8, 256, 8, nn::AttentionKind::softmax}},
    {"softmax_T2048", {2, 256, 4, 2048, 2, nn::AttentionKind::softmax}},
    {"linear_T2048", {2, 256, 4, 2048, 2, nn::AttentionKind::linear}},
    {"softmax_T8192", {2, 256, 4, 8192, 1, nn::AttentionKind::softmax}},
    {"linear_T8192", {2, 256, 4, 8192, 1, nn::AttentionKind::linear}},
};
constexpr std::int64_t kVocab = 256;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Two warm-up steps, then steps timed one by one (Note [Bench timing]): the median step in ms
// and the number of timed steps.
template <typename Step>
std::pair<double, std::size_t> median_step_ms(Step&& step, int min_steps, double min_time) {
  for (int i = 0; i < 2; ++i) step();  // warm-up
  std::vector<double> ms;
  double timed = 0;
  while (static_cast<int>(ms.size()) < min_steps || timed < min_time) {
    const auto t0 = std::chrono::steady_clock::now();
    step();
    ms.push_back(seconds_since(t0) * 1e3);
    timed += ms.back() / 1e3;
  }
  std::sort(ms.begin(), ms.end());
  const std::size_t n = ms.size();
  return {n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2, n};
}

// gn_gan: one GN-GAN training step as experiments/configs/gan_fashion.yaml (DCGAN width 16,
// z 64, batch 64, non-saturating loss on f / (||grad_x f|| + |f|), n_dis 1, Adam 2e-4 (0, 0.9))
// on random images. The critic step and the generator step each take the critic's input
// gradient (autograd::grad with create_graph) and differentiate through it (double backward).
void bench_gn_gan(int threads, int min_steps, double min_time) {
  namespace gen = nn::generative;
  core::manual_seed(0);
  const gen::DCGANOptions o{.z_dim = 64, .width = 16};
  gen::DCGANGenerator generator(o);
  gen::DCGANCritic critic(o);
  optim::Adam opt_g(generator.named_parameters(), {.lr = 2e-4, .beta1 = 0.0, .beta2 = 0.9});
  optim::Adam opt_d(critic.named_parameters(), {.lr = 2e-4, .beta1 = 0.0, .beta2 = 0.9});
  constexpr std::int64_t batch = 64;
  core::Generator g(1);
  const Tensor real(core::uniform({batch, 1, 28, 28}, -1, 1, DType::f32, g));
  const gen::CriticFn f = [&](const Tensor& x) { return critic(x); };
  auto step = [&] {
    Tensor fake;
    {
      NoGradGuard no_grad;
      fake = generator.sample(batch, g);
    }
    opt_d.zero_grad();
    gen::critic_loss(gen::GanLoss::non_saturating, gen::gradient_normalized(f, real),
                     gen::gradient_normalized(f, fake))
        .backward();
    opt_d.step();
    opt_g.zero_grad();
    gen::generator_loss(gen::GanLoss::non_saturating,
                        gen::gradient_normalized(f, generator.sample(batch, g)))
        .backward();
    opt_g.step();
  };
  const auto [median, n] = median_step_ms(step, min_steps, min_time);
  rusage usage_now{};
  getrusage(RUSAGE_SELF, &usage_now);
  fmt::print(
      "{{\"model\": \"gn_gan\", \"impl\": \"liandan\", \"ms_per_step\": {:.3f}, "
      "\"steps\": {}, \"peak_rss_mb\": {:.1f}, \"threads\": {}, \"params\": {}}}\n",
      median, n, static_cast<double>(usage_now.ru_maxrss) / 1024, threads,
      generator.num_parameters() + critic.num_parameters());
}

[[noreturn]] void usage(const char* why) {
  fmt::print(stderr,
             "bench_models: {}\nusage: bench_models MODEL [--threads N] [--min-time S] "
             "[--min-steps N]\nMODEL:",
             why);
  for (const auto& [name, _] : kModels) fmt::print(stderr, " {}", name);
  fmt::print(stderr, " gn_gan\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string name;
  int threads = 2, min_steps = 5;
  double min_time = 10;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--threads") && has_value) {
      threads = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--min-time") && has_value) {
      min_time = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--min-steps") && has_value) {
      min_steps = std::atoi(argv[++i]);
    } else if (argv[i][0] != '-' && name.empty()) {
      name = argv[i];
    } else {
      usage(fmt::format("unknown argument {}", argv[i]).c_str());
    }
  }
  if (name == "gn_gan") {
    omp_set_num_threads(threads);
    bench_gn_gan(threads, min_steps, min_time);
    return 0;
  }
  const auto found = kModels.find(name);
  if (found == kModels.end()) usage(name.empty() ? "no MODEL" : "unknown MODEL");
  const ModelShape& s = found->second;
  omp_set_num_threads(threads);

  core::manual_seed(0);
  nn::GPT model({.vocab_size = kVocab,
                 .max_len = s.seq_len,
                 .n_layers = s.layers,
                 .d_model = s.d_model,
                 .n_heads = s.heads,
                 .mlp_ratio = 4,
                 .attention = s.attention,
                 .positions = nn::PositionKind::learned,
                 .tie_weights = true});
  optim::AdamW opt(model.named_parameters(), {.lr = 3e-4, .weight_decay = 0.1});
  core::Generator gen(1);
  const Tensor tokens(core::randint(0, kVocab, {s.batch, s.seq_len}, gen));
  const Tensor targets(core::randint(0, kVocab, {s.batch * s.seq_len}, gen));

  auto step = [&] {
    opt.zero_grad();
    const Tensor logits = model(tokens);
    const Tensor loss = nn::cross_entropy(reshape(logits, {s.batch * s.seq_len, kVocab}), targets);
    loss.backward();
    opt.step();
  };

  const auto [median, n] = median_step_ms(step, min_steps, min_time);
  rusage usage_now{};
  getrusage(RUSAGE_SELF, &usage_now);
  fmt::print(
      "{{\"model\": \"{}\", \"impl\": \"liandan\", \"ms_per_step\": {:.3f}, \"steps\": {}, "
      "\"tokens_per_s\": {:.1f}, \"peak_rss_mb\": {:.1f}, \"threads\": {}, \"params\": {}}}\n",
      name, median, n, static_cast<double>(s.batch * s.seq_len) / (median / 1e3),
      static_cast<double>(usage_now.ru_maxrss) / 1024, threads, model.num_parameters());
}
