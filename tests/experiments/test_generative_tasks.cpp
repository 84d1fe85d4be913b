// The generative tasks (vae_fashion, eae_fashion, gan_mixture) through train(): they build from
// a config, train, write sample PNGs, and resume bit for bit; the GAN's multi-update step
// advances the critic's and the generator's optimizer state separately.
#include <doctest/doctest.h>

#include "experiments/helpers.hpp"
#include "experiments/run_checks.hpp"
#include "liandan/data/idx.hpp"
#include "liandan/experiments/run_dir.hpp"
#include "liandan/experiments/trainer.hpp"

using namespace liandan;
using namespace liandan::experiments;

namespace {

TrainOptions quiet(const fs::path& out, bool resume = false) {
  return {.out_dir = out, .resume = resume, .console = false, .after_step = {}};
}

// Trains config uninterrupted and stopped at step k then resumed; both runs must agree.
void check_resume(const Config& config, const fs::path& dir, std::int64_t k) {
  const TrainResult full = train(config, quiet(dir / "full"));
  REQUIRE(full.finished);
  TrainOptions stopping = quiet(dir / "stopped");
  stopping.after_step = [k](std::int64_t step) {
    if (step == k) request_stop();
  };
  REQUIRE(train(config, stopping).step == k);
  REQUIRE(train(config, quiet(dir / "stopped", true)).finished);
  CHECK(test::untimed_metrics(dir / "stopped") == test::untimed_metrics(dir / "full"));
  const auto steps = config.get<std::int64_t>("train.steps");
  test::check_same_checkpoint(RunDir(dir / "stopped").checkpoint(steps),
                              RunDir(dir / "full").checkpoint(steps));
}

const char* tiny_gan = R"(task: gan_mixture
model: {critic: gn, loss: hinge, n_dis: 2, width: 16, depth: 2}
data: {mixture: ring, size: 1024, batch_size: 32, eval_size: 200}
optimizer: {name: adam, adam: {lr: 0.001, beta1: 0.0, beta2: 0.9}}
schedule: {name: constant}
train: {steps: 8, log_interval: 2, eval_interval: 4, checkpoint_interval: 4, keep_checkpoints: 2}
seed: 5
threads: 1
)";

bool has_fashion_mnist() {
  const bool found = fs::exists(std::string(data::kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz");
  if (!found) MESSAGE("dataset-fashion-mnist is not installed: skipped");
  return found;
}

std::int64_t step_of(const nn::Checkpoint& c, const std::string& key) {
  for (const auto& [name, t] : c.tensors)
    if (name == key) return t.data().to_vector<std::int64_t>()[0];
  FAIL("no ", key, " in the checkpoint");
  return -1;
}

}  // namespace

TEST_CASE("gan_mixture: trains, plots, resumes bit for bit; n_dis critic updates per step") {
  test::ScratchDir dir("gan_mixture_task");
  const Config config = Config::parse(tiny_gan, "tiny_gan.yaml");
  check_resume(config, dir.path, 3);
  const RunDir run(dir.path / "full");
  const std::vector<json> lines = read_metrics(run.metrics());
  REQUIRE(lines.size() == 4);  // steps 2, 4, 6, 8
  for (const char* key : {"loss", "grad_norm", "generator_loss", "generator_grad_norm"})
    CHECK(lines[0].contains(key));
  CHECK(lines[1]["eval_modes"].get<double>() >= 0);
  CHECK(lines[1]["eval_modes"].get<double>() <= 8);
  CHECK(lines[1].contains("eval_high_quality"));
  CHECK(fs::exists(run.root() / "samples_step_4.png"));
  CHECK(fs::exists(run.root() / "samples_step_8.png"));
  // One optimizer over "critic." and "generator.", each stepped only on its own updates.
  const nn::Checkpoint c = nn::load(run.checkpoint(8).string());
  CHECK(step_of(c, "optimizer.state.critic.0.weight.step") == 16);
  CHECK(step_of(c, "optimizer.state.generator.0.weight.step") == 8);
}

TEST_CASE("gan_mixture: every critic variant trains on both mixtures") {
  test::ScratchDir dir("gan_mixture_variants");
  const std::vector<std::vector<std::string>> variants = {
      {"model.critic=gran"},
      {"model.critic=sn", "model.loss=non_saturating"},
      {"model.critic=wgan_gp", "model.loss=wasserstein", "data.mixture=grid"}};
  for (std::size_t i = 0; i < variants.size(); ++i) {
    std::vector<std::string> overrides = variants[i];
    overrides.push_back("train.steps=4");
    CAPTURE(overrides[0]);
    const Config config = Config::parse(tiny_gan, "tiny_gan.yaml", overrides);
    const fs::path out = dir.path / std::to_string(i);
    CHECK(train(config, quiet(out)).finished);
    const json summary = json::parse(read_file(RunDir(out).summary()));
    CHECK(std::isfinite(summary["final"]["loss"].get<double>()));
    CHECK(std::isfinite(summary["final"]["generator_loss"].get<double>()));
  }
}

TEST_CASE("vae_fashion: trains on Fashion-MNIST, writes PNGs, resumes bit for bit") {
  if (!has_fashion_mnist()) return;
  test::ScratchDir dir("vae_fashion_task");
  const Config config = Config::parse(R"(task: vae_fashion
model: {arch: mlp, width: 16, latent: 4}
data: {batch_size: 32, eval_size: 50, iw_samples: 4}
optimizer: {name: adam, adam: {lr: 0.001}}
schedule: {name: constant}
train: {steps: 6, log_interval: 2, eval_interval: 3, checkpoint_interval: 2, keep_checkpoints: 1}
seed: 1
threads: 1
)",
                                      "tiny_vae.yaml");
  check_resume(config, dir.path, 3);
  const RunDir run(dir.path / "full");
  const std::vector<json> lines = read_metrics(run.metrics());
  REQUIRE(lines.size() == 4);  // steps 2, 3, 4, 6
  const json& last = lines.back();
  // The IW bound is at least the ELBO on average (Burda et al.); both are log-likelihoods < 0.
  CHECK(last["eval_elbo"].get<double>() < 0);
  CHECK(last["eval_iw_bound"].get<double>() >= last["eval_elbo"].get<double>() - 1.0);
  CHECK(last["eval_kl"].get<double>() >= 0);
  CHECK(fs::exists(run.root() / "samples_step_6.png"));
  CHECK(fs::exists(run.root() / "reconstructions_step_6.png"));
}

TEST_CASE("eae_fashion: trains on Fashion-MNIST, writes PNGs, resumes bit for bit") {
  if (!has_fashion_mnist()) return;
  test::ScratchDir dir("eae_fashion_task");
  const Config config = Config::parse(R"(task: eae_fashion
model: {arch: conv, width: 4, latent: 3}
data: {batch_size: 16, eval_size: 40}
optimizer: {name: adam, adam: {lr: 0.001}}
schedule: {name: constant}
train: {steps: 4, log_interval: 2, eval_interval: 2, checkpoint_interval: 2, keep_checkpoints: 1}
seed: 2
threads: 1
)",
                                      "tiny_eae.yaml");
  check_resume(config, dir.path, 1);
  const RunDir run(dir.path / "full");
  const json last = read_metrics(run.metrics()).back();
  CHECK(last["eval_recon"].get<double>() > 0);
  CHECK(std::isfinite(last["eval_entropy"].get<double>()));
  CHECK(last["eval_loss"].get<double>() ==
        doctest::Approx(last["eval_recon"].get<double>() - last["eval_entropy"].get<double>()));
  CHECK(fs::exists(run.root() / "samples_step_4.png"));
}
