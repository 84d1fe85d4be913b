// The generative tasks (vae_fashion, eae_fashion, gan_mixture, gan_fashion) through train():
// they build from a config, train, write sample and interpolation PNGs, and resume bit for bit;
// the GAN's multi-update step advances the critic's and the generator's optimizer state
// separately. The Fashion-MNIST FID (fid.hpp) with a classifier trained here for a few steps.
#include <doctest/doctest.h>

#include "experiments/helpers.hpp"
#include "experiments/run_checks.hpp"
#include "liandan/autograd/autograd.hpp"
#include "liandan/core/random.hpp"
#include "liandan/data/idx.hpp"
#include "liandan/experiments/fid.hpp"
#include "liandan/experiments/run_dir.hpp"
#include "liandan/experiments/trainer.hpp"
#include "liandan/nn/generative/gan.hpp"
#include "liandan/nn/generative/images.hpp"

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

// A fashion_mlp classifier (784-32-10) trained for 40 steps into dir / "classifier".
fs::path train_classifier(const fs::path& dir) {
  const Config config = Config::parse(R"(task: fashion_mlp
model: {hidden: 32, depth: 1}
data: {batch_size: 64, eval_size: 500}
optimizer: {name: adam, adam: {lr: 0.003}}
schedule: {name: constant}
train: {steps: 40, log_interval: 40, eval_interval: 40}
seed: 0
threads: 1
)",
                                      "tiny_classifier.yaml");
  REQUIRE(train(config, quiet(dir / "classifier")).finished);
  return dir / "classifier";
}

// The interpolation grid: 8 rows of 10 images of 28 pixels, 2 pixels of padding.
void check_interpolation_png(const fs::path& path) {
  REQUIRE(fs::exists(path));
  const nn::generative::Image image = nn::generative::load_png(path.string());
  CHECK(image.width == 10 * 28 + 11 * 2);
  CHECK(image.height == 8 * 28 + 9 * 2);
}

std::int64_t step_of(const nn::Checkpoint& c, const std::string& key) {
  return c.tensors.integer(key);
}

// Trains each variant (config overrides) of a GAN config for `steps` steps in its own run
// directory under dir; both losses must stay finite.
void check_variants_train(const char* yaml, const std::vector<std::vector<std::string>>& variants,
                          const std::string& steps, const fs::path& dir) {
  for (std::size_t i = 0; i < variants.size(); ++i) {
    std::vector<std::string> overrides = variants[i];
    overrides.push_back("train.steps=" + steps);
    CAPTURE(overrides[0]);
    const Config config = Config::parse(yaml, "variant.yaml", overrides);
    const fs::path out = dir / std::to_string(i);
    CHECK(train(config, quiet(out)).finished);
    const json summary = json::parse(read_file(RunDir(out).summary()));
    CHECK(std::isfinite(summary["final"]["loss"].get<double>()));
    CHECK(std::isfinite(summary["final"]["generator_loss"].get<double>()));
  }
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
  check_variants_train(tiny_gan,
                       {{"model.critic=gran"},
                        {"model.critic=sn", "model.loss=non_saturating"},
                        {"model.critic=wgan_gp", "model.loss=wasserstein", "data.mixture=grid"}},
                       "4", dir.path);
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
  check_interpolation_png(run.root() / "interpolation_step_6.png");
  CHECK_FALSE(last.contains("eval_fid"));  // no eval.fid_classifier
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
  check_interpolation_png(run.root() / "interpolation_step_4.png");
}

TEST_CASE(
    "FashionFid: test images are far closer to training images than noise or an untrained G") {
  if (!has_fashion_mnist()) return;
  test::ScratchDir dir("fashion_fid");
  const fs::path classifier = train_classifier(dir.path);
  core::manual_seed(11);
  const core::Generator before = core::default_generator();
  const FashionFid fid(load_fid_classifier(classifier), {.samples = 500});
  // Loading the classifier's task leaves the default generator as it was.
  CHECK(core::default_generator().seed() == before.seed());
  CHECK(core::default_generator().offset() == before.offset());
  CHECK(fid.real_moments().dim == 32);

  const core::Tensor tests =
      data::fashion_mnist({.train = false})->tensors()["image"].narrow(0, 0, 500);
  const core::Tensor trains =
      data::fashion_mnist({.train = true})->tensors()["image"].narrow(0, 0, 500);
  core::Generator gen(3);
  const core::Tensor noise = core::uniform({500, 1, 28, 28}, 0, 1, DType::f32, gen);
  nn::generative::DCGANGenerator untrained({.z_dim = 16, .width = 8});
  core::Tensor generated;
  {
    NoGradGuard no_grad;
    generated = ((untrained.sample(500, gen) + 1.0) * 0.5).data();  // tanh range to [0, 1]
  }
  const double self = fid(tests), real = fid(trains), random = fid(noise), fake = fid(generated);
  MESSAGE("FID: test/test ", self, ", train/test ", real, ", noise ", random, ", untrained G ",
          fake);
  CHECK(std::abs(self) < 1e-6 * random);
  CHECK(real > 0);
  CHECK(10 * real < random);
  CHECK(10 * real < fake);
  // of_samples draws its images from a generator of the given seed, in chunks.
  const auto from_noise = [](std::int64_t n, core::Generator& g) {
    return core::uniform({n, 1, 28, 28}, 0, 1, DType::f32, g);
  };
  CHECK(fid.of_samples(from_noise, 7) == fid.of_samples(from_noise, 7));
  CHECK(fid.of_samples(from_noise, 7) > 10 * real);
}

TEST_CASE("FashionFid: a missing or wrong eval.fid_classifier is an error saying how to train it") {
  if (!has_fashion_mnist()) return;
  test::ScratchDir dir("fashion_fid_errors");
  const std::string missing = (dir.path / "nowhere").string();
  CHECK_THROWS_WITH_AS(
      load_fid_classifier(missing),
      doctest::Contains(("eval.fid_classifier: '" + missing + "' holds no run").c_str()), Error);
  CHECK_THROWS_WITH_AS(
      load_fid_classifier(missing),
      doctest::Contains(
          ("liandan train experiments/configs/fid_classifier.yaml --out " + missing).c_str()),
      Error);
  // A run directory without checkpoints.
  fs::create_directories(dir.path / "empty");
  std::ofstream(dir.path / "empty" / "config.yaml") << test::tiny_config;
  CHECK_THROWS_WITH_AS(load_fid_classifier(dir.path / "empty"),
                       doctest::Contains("has no checkpoint"), Error);
  // A run of a task that is not an image classifier.
  REQUIRE(
      train(Config::parse(test::tiny_config, "tiny.yaml"), quiet(dir.path / "spiral")).finished);
  CHECK_THROWS_WITH_AS(
      load_fid_classifier(dir.path / "spiral"),
      doctest::Contains("is a run of task 'spiral', which gives no image features"), Error);
  // Through a task's config: the run fails when the task is built.
  const Config vae = Config::parse(R"(task: vae_fashion
model: {width: 8, latent: 2}
data: {batch_size: 8, eval_size: 8}
train: {steps: 1}
threads: 1
)",
                                   "vae.yaml", {"eval.fid_classifier=" + missing});
  CHECK_THROWS_WITH_AS(train(vae, quiet(dir.path / "vae")),
                       doctest::Contains("eval.fid_classifier"), Error);
}

namespace {

const char* tiny_gan_fashion = R"(task: gan_fashion
model: {critic: gn, loss: non_saturating, n_dis: 2, z_dim: 8, width: 4}
data: {batch_size: 8, eval_size: 16}
eval: {fid_samples: 40}
optimizer: {name: adam, adam: {lr: 0.0002, beta1: 0.0, beta2: 0.9}}
schedule: {name: constant}
train: {steps: 4, log_interval: 2, eval_interval: 2, checkpoint_interval: 2, keep_checkpoints: 1}
seed: 4
threads: 1
)";

}  // namespace

TEST_CASE("gan_fashion: trains, reports the FID, writes PNGs, resumes bit for bit") {
  if (!has_fashion_mnist()) return;
  test::ScratchDir dir("gan_fashion_task");
  const fs::path classifier = train_classifier(dir.path);
  const Config config = Config::parse(tiny_gan_fashion, "tiny_gan_fashion.yaml",
                                      {"eval.fid_classifier=" + classifier.string()});
  check_resume(config, dir.path, 1);
  const RunDir run(dir.path / "full");
  const std::vector<json> lines = read_metrics(run.metrics());
  REQUIRE(lines.size() == 2);  // steps 2, 4
  for (const char* key : {"loss", "grad_norm", "generator_loss", "generator_grad_norm",
                          "eval_critic_gap", "eval_fid"})
    CHECK(lines[1].contains(key));
  CHECK(lines[1]["eval_fid"].get<double>() > 0);
  // GN's f_hat is in [-1, 1], so the gap of its means is in [-2, 2].
  CHECK(std::abs(lines[1]["eval_critic_gap"].get<double>()) <= 2);
  CHECK(fs::exists(run.root() / "samples_step_4.png"));
  check_interpolation_png(run.root() / "interpolation_step_4.png");
  const nn::Checkpoint c = nn::load(run.checkpoint(4).string());
  CHECK(step_of(c, "optimizer.state.critic.linear.weight.step") == 8);
  CHECK(step_of(c, "optimizer.state.generator.linear.weight.step") == 4);
  // summary.json: the FID's best is its smallest.
  const json summary = json::parse(read_file(run.summary()));
  CHECK(summary["best"]["eval_fid"]["value"].get<double>() ==
        std::min(lines[0]["eval_fid"].get<double>(), lines[1]["eval_fid"].get<double>()));
}

TEST_CASE("gan_fashion: every critic variant trains") {
  if (!has_fashion_mnist()) return;
  test::ScratchDir dir("gan_fashion_variants");
  check_variants_train(tiny_gan_fashion,
                       {{"model.critic=gran"},
                        {"model.critic=sn", "model.loss=hinge"},
                        {"model.critic=wgan_gp", "model.loss=wasserstein"}},
                       "2", dir.path);
}
