// The generative tasks (generative_tasks.hpp) and their rows of the task table.
#include "liandan/experiments/generative_tasks.hpp"

#include <fmt/format.h>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/generative/images.hpp"

namespace liandan::experiments {
namespace generative = nn::generative;
namespace {

// ---- config rows

std::vector<Key> concat(std::vector<Key> a, std::vector<Key> b) {
  for (Key& k : b) a.push_back(std::move(k));
  return a;
}

// data.dir, data.batch_size, data.eval_size, eval.fid_classifier, eval.fid_samples.
std::vector<Key> fashion_keys(const FashionData& d,
                              const std::string& batch_help = "training batch") {
  return {{.path = "data.dir",
           .type = Type::string,
           .fallback = d.dir,
           .help = "directory of the Fashion-MNIST IDX files (Debian's dataset-fashion-mnist)"},
          integer_key("data.batch_size", d.batch_size, batch_help, 1),
          integer_key("data.eval_size", d.eval_size, "test images evaluated (the first ones)", 1),
          {.path = "eval.fid_classifier",
           .type = Type::string,
           .fallback = "''",
           .help = "run directory (relative to the working directory) of a Fashion-MNIST "
                   "classifier (experiments/configs/fid_classifier.yaml) whose features give "
                   "the eval's FID; empty: no FID"},
          integer_key("eval.fid_samples", d.fid.samples,
                      "N: generated images and first test images of the FID", 2)};
}
FashionData fashion_data(const Config& c) {
  const auto dir = c.get<std::string>("data.dir");
  return {.dir = dir,
          .batch_size = c.get<std::int64_t>("data.batch_size"),
          .eval_size = c.get<std::int64_t>("data.eval_size"),
          .fid = {.classifier = c.get<std::string>("eval.fid_classifier"),
                  .samples = c.get<std::int64_t>("eval.fid_samples"),
                  .data_dir = dir}};
}

// model.critic, model.loss, model.n_dis, model.gp_lambda.
std::vector<Key> gan_keys(const GanObjective& g) {
  const auto loss_name = [](generative::GanLoss l) {
    return l == generative::GanLoss::hinge         ? "hinge"
           : l == generative::GanLoss::wasserstein ? "wasserstein"
                                                   : "non_saturating";
  };
  const auto critic_name = [](CriticKind k) {
    return k == CriticKind::gran      ? "gran"
           : k == CriticKind::wgan_gp ? "wgan_gp"
           : k == CriticKind::sn      ? "sn"
                                      : "gn";
  };
  return {choice_key("model.critic", critic_name(g.critic), "critic normalisation",
                     {"gn", "gran", "wgan_gp", "sn"}),
          choice_key("model.loss", loss_name(g.loss), "GAN loss",
                     {"hinge", "non_saturating", "wasserstein"}),
          integer_key("model.n_dis", g.n_dis, "critic updates per step", 1),
          number_key("model.gp_lambda", g.gp_lambda, "weight of the gradient penalty (wgan_gp)")};
}
GanObjective gan_objective(const Config& c) {
  const auto loss = c.get<std::string>("model.loss");
  const auto critic = c.get<std::string>("model.critic");
  return {.critic = critic == "gran"      ? CriticKind::gran
                    : critic == "wgan_gp" ? CriticKind::wgan_gp
                    : critic == "sn"      ? CriticKind::sn
                                          : CriticKind::gn,
          .loss = loss == "hinge"         ? generative::GanLoss::hinge
                  : loss == "wasserstein" ? generative::GanLoss::wasserstein
                                          : generative::GanLoss::non_saturating,
          .n_dis = c.get<std::int64_t>("model.n_dis"),
          .gp_lambda = c.get<double>("model.gp_lambda")};
}

std::string png_path(const std::filesystem::path& dir, const char* what, std::int64_t step) {
  return (dir / fmt::format("{}_step_{}.png", what, step)).string();
}

// The first 16 eval images over their reconstructions, one row each.
void save_reconstructions(const std::string& path, const Tensor& shown, const Tensor& recon) {
  generative::save_image_grid(path, cat({shown, recon}, 0).data(), shown.size(0));
}

// Model in eval mode for the scope (BatchNorm on running statistics), no graph.
class Evaluating {
 public:
  explicit Evaluating(nn::Module& m) : module_(m) { module_.eval(); }
  ~Evaluating() { module_.train(); }
  Evaluating(const Evaluating&) = delete;
  Evaluating& operator=(const Evaluating&) = delete;

 private:
  NoGradGuard no_grad_;
  nn::Module& module_;
};

}  // namespace

generative::ImageNetOptions image_net(const std::string& arch, std::int64_t width) {
  if (arch == "conv") return {.arch = generative::ImageArch::conv, .hidden = {width}};
  check(arch == "mlp", "image_net: arch must be mlp or conv, got '{}'", arch);
  return {.arch = generative::ImageArch::mlp, .hidden = {2 * width, width}};
}

// ---- Fashion-MNIST

FashionTask::FashionTask(const FashionData& options, std::uint64_t seed, std::int64_t loader_batch)
    : data_(options),
      seed_(seed),
      loader_(data::fashion_mnist({.dir = options.dir, .train = true}), {.batch_size = loader_batch,
                                                                         .shuffle = true,
                                                                         .seed = data_seed(seed, 0),
                                                                         .drop_last = true}),
      loader_batch_(loader_batch) {
  const auto test = data::fashion_mnist({.dir = options.dir, .train = false});
  check(options.eval_size <= test->size(), "fashion task: data.eval_size {} > {} test images",
        options.eval_size, test->size());
  eval_images_ = test->tensors()["image"].narrow(0, 0, options.eval_size).contiguous();
  fid_ = make_fid(options.fid);
}

Batch FashionTask::next_batch() {
  const data::Batch b = loader_.next_batch();
  return {.tensors = {{"image", b["image"]}}, .examples = loader_batch_};
}

void FashionTask::add_fid(std::map<std::string, double>& metrics,
                          const ImageSampler& sample) const {
  // Its own noise stream (data_seed(seed, 3)): the FID's samples do not depend on what else
  // the eval draws.
  if (fid_) metrics["fid"] = fid_->of_samples(sample, data_seed(seed_, 3));
}

void FashionTask::save_interpolations(const std::filesystem::path& run_dir, std::int64_t step,
                                      std::int64_t latent,
                                      const std::function<Tensor(const Tensor&)>& decode,
                                      const generative::GridOptions& grid) const {
  constexpr std::int64_t rows = 8, steps = 10;
  core::Generator gen = eval_generator();
  const core::Tensor ends = core::normal({2 * rows, latent}, 0, 1, DType::f32, gen);  // (2R, d)
  const core::Tensor z =
      generative::interpolate_latents(ends.narrow(0, 0, rows), ends.narrow(0, rows, rows), steps);
  generative::save_image_grid(png_path(run_dir, "interpolation", step), decode(Tensor(z)).data(),
                              steps, grid);
}

core::NamedTensors FashionTask::sampler_state() const { return loader_.state_dict(); }

void FashionTask::load_sampler_state(const core::NamedTensors& state) {
  loader_.load_state_dict(state);
}

std::vector<Tensor> FashionTask::eval_chunks() const {
  std::vector<Tensor> chunks;
  for (std::int64_t i = 0; i < data_.eval_size; i += 100)
    chunks.emplace_back(
        eval_images_.narrow(0, i, std::min<std::int64_t>(100, data_.eval_size - i)));
  return chunks;
}

VaeTask::VaeTask(const VaeTaskOptions& options, std::uint64_t seed)
    : FashionTask(options.data, seed, options.data.batch_size),
      options_(options),
      vae_(options.vae) {}

Tensor VaeTask::loss(const Batch& batch) { return vae_.loss(batch["image"]).loss; }

std::map<std::string, double> VaeTask::evaluate() {
  Evaluating scope(vae_);
  core::Generator gen = eval_generator();
  double elbo = 0, iw = 0, kl = 0;
  for (const Tensor& x : eval_chunks()) {  // (n, 1, 28, 28)
    elbo += sum(vae_.elbo(x, gen)).item();
    const generative::Posterior q = vae_.encode(x);
    kl += sum(generative::gaussian_kl(q.mu, q.logvar)).item();
    iw += sum(vae_.importance_weighted_bound(x, options_.iw_samples, gen)).item();
  }
  const auto n = static_cast<double>(data_.eval_size);
  std::map<std::string, double> metrics = {
      {"elbo", elbo / n}, {"iw_bound", iw / n}, {"kl", kl / n}};
  add_fid(metrics, [this](std::int64_t m, core::Generator& g) { return vae_.sample(m, g).data(); });
  return metrics;
}

bool VaeTask::higher_is_better(const std::string& metric) const {
  return metric == "elbo" || metric == "iw_bound";
}

void VaeTask::save_samples(const std::filesystem::path& run_dir, std::int64_t step) {
  Evaluating scope(vae_);
  core::Generator gen = eval_generator();
  generative::save_image_grid(png_path(run_dir, "samples", step), vae_.sample(64, gen).data(), 8);
  const Tensor shown(eval_images_.narrow(0, 0, std::min<std::int64_t>(16, data_.eval_size)));
  save_reconstructions(png_path(run_dir, "reconstructions", step), shown, vae_(shown));
  save_interpolations(run_dir, step, options_.vae.latent,
                      [this](const Tensor& z) { return vae_.mean_image(vae_.decode(z)); });
}

EaeTask::EaeTask(const EaeTaskOptions& options, std::uint64_t seed)
    : FashionTask(options.data, seed, options.data.batch_size),
      options_(options),
      eae_(options.eae) {}

Tensor EaeTask::loss(const Batch& batch) { return eae_.loss(batch["image"]).loss; }

std::map<std::string, double> EaeTask::evaluate() {
  Evaluating scope(eae_);
  double recon = 0;
  std::vector<Tensor> codes;
  for (const Tensor& x : eval_chunks()) {  // (n, 1, 28, 28)
    codes.push_back(eae_.encode(x));       // (n, d)
    const Tensor diff = eae_.decode(codes.back()) - x;
    recon += sum(diff * diff).item();
  }
  recon /= static_cast<double>(data_.eval_size);
  const double entropy = generative::knn_entropy(cat(codes, 0), options_.eae.entropy).item();
  std::map<std::string, double> metrics = {
      {"recon", recon}, {"entropy", entropy}, {"loss", recon - options_.eae.lambda * entropy}};
  add_fid(metrics, [this](std::int64_t m, core::Generator& g) { return eae_.sample(m, g).data(); });
  return metrics;
}

void EaeTask::save_samples(const std::filesystem::path& run_dir, std::int64_t step) {
  Evaluating scope(eae_);
  core::Generator gen = eval_generator();
  generative::save_image_grid(png_path(run_dir, "samples", step), eae_.sample(64, gen).data(), 8);
  const Tensor shown(eval_images_.narrow(0, 0, std::min<std::int64_t>(16, data_.eval_size)));
  save_reconstructions(png_path(run_dir, "reconstructions", step), shown, eae_(shown));
  save_interpolations(run_dir, step, options_.eae.latent,
                      [this](const Tensor& z) { return eae_.decode(z); });
}

// ---- GAN training

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

// ---- GAN on a 2-D mixture

GanMixtureTask::Pair::Pair(const GanMixtureOptions& o)
    : generator({.in_features = o.z_dim, .out_features = 2, .width = o.width, .depth = o.depth}),
      critic({.in_features = 2,
              .out_features = 1,
              .width = o.width,
              .depth = o.depth,
              .spectral_norm = o.objective.critic == CriticKind::sn}) {
  register_modules({{"generator", generator}, {"critic", critic}});
}

namespace {
std::shared_ptr<data::GaussianMixture> mixture_dataset(const GanMixtureOptions& o,
                                                       std::uint64_t seed) {
  check(o.mixture == "ring" || o.mixture == "grid", "gan_mixture: unknown mixture '{}'", o.mixture);
  return std::make_shared<data::GaussianMixture>(
      o.mixture == "ring" ? data::GaussianMixture::ring(o.dataset_size, seed)
                          : data::GaussianMixture::grid(o.dataset_size, seed));
}
}  // namespace

GanMixtureTask::GanMixtureTask(const GanMixtureOptions& options, std::uint64_t seed)
    : options_(options),
      seed_(seed),
      model_(options),
      dataset_(mixture_dataset(options, data_seed(seed, 2))),
      mixture_{.centres = dataset_->centres(), .std = dataset_->stddev()},
      loader_(dataset_, {.batch_size = options.objective.n_dis * options.batch_size,
                         .shuffle = true,
                         .seed = data_seed(seed, 0),
                         .drop_last = true}) {}

Batch GanMixtureTask::next_batch() {
  const data::Batch b = loader_.next_batch();
  return {.tensors = {{"x", b["x"]}}, .examples = options_.objective.n_dis * options_.batch_size};
}

Tensor GanMixtureTask::generate(std::int64_t n, core::Generator& g) {
  return model_.generator(Tensor(core::normal({n, options_.z_dim}, 0, 1, DType::f32, g)));
}

StepResult GanMixtureTask::train_step(const Batch& batch, const UpdateFn& update) {
  const GanNets nets{
      .raw = [this](const Tensor& y) { return model_.critic(y); },
      .generate = [this](std::int64_t n, core::Generator& g) { return generate(n, g); }};
  return gan_step(options_.objective, nets, batch["x"], options_.batch_size, update);
}

std::map<std::string, double> GanMixtureTask::evaluate() {
  Evaluating scope(model_);
  core::Generator g(data_seed(seed_, 1));
  const generative::ModeCoverage c =
      generative::mode_coverage(mixture_, generate(options_.eval_size, g).data());
  return {{"modes", static_cast<double>(c.covered)}, {"high_quality", c.high_quality}};
}

bool GanMixtureTask::higher_is_better(const std::string& metric) const {
  return metric == "modes" || metric == "high_quality";
}

void GanMixtureTask::save_samples(const std::filesystem::path& run_dir, std::int64_t step) {
  Evaluating scope(model_);
  core::Generator g(data_seed(seed_, 1));  // the points evaluate() judged
  const core::Tensor fake = generate(options_.eval_size, g).data();
  const core::Tensor real = generative::sample_mixture(mixture_, options_.eval_size, g);
  const double e = options_.mixture == "grid" ? 5.5 : 3;
  generative::save_png(
      png_path(run_dir, "samples", step),
      generative::scatter_plot({{real, {180, 180, 180}, 1}, {fake, {31, 119, 180}, 1}},
                               {.x_min = -e, .x_max = e, .y_min = -e, .y_max = e}));
}

core::NamedTensors GanMixtureTask::sampler_state() const { return loader_.state_dict(); }

void GanMixtureTask::load_sampler_state(const core::NamedTensors& state) {
  loader_.load_state_dict(state);
}

// ---- DCGAN on Fashion-MNIST

GanFashionTask::Pair::Pair(const GanFashionOptions& o)
    : generator(o.net),
      critic({.z_dim = o.net.z_dim,
              .width = o.net.width,
              .spectral_norm = o.objective.critic == CriticKind::sn,
              .dtype = o.net.dtype}) {
  register_modules({{"generator", generator}, {"critic", critic}});
}

GanFashionTask::GanFashionTask(const GanFashionOptions& options, std::uint64_t seed)
    : FashionTask(options.data, seed, options.objective.n_dis * options.data.batch_size),
      options_(options),
      model_(options) {}

GanNets GanFashionTask::nets() {
  return {.raw = [this](const Tensor& x) { return model_.critic(x); },
          .generate = [this](std::int64_t n,
                             core::Generator& g) { return model_.generator.sample(n, g); }};
}

StepResult GanFashionTask::train_step(const Batch& batch, const UpdateFn& update) {
  const Tensor real = batch["image"] * 2.0 - 1.0;  // (n_dis B, 1, 28, 28) in [-1, 1]
  return gan_step(options_.objective, nets(), real, options_.data.batch_size, update);
}

std::map<std::string, double> GanFashionTask::evaluate() {
  Evaluating scope(model_);
  const GanNets n = nets();
  core::Generator gen = eval_generator();
  double real_sum = 0, fake_sum = 0;
  for (const Tensor& x : eval_chunks()) {  // (m, 1, 28, 28)
    real_sum += sum(normalized_critic(options_.objective.critic, n.raw, x * 2.0 - 1.0)).item();
    fake_sum +=
        sum(normalized_critic(options_.objective.critic, n.raw, n.generate(x.size(0), gen))).item();
  }
  std::map<std::string, double> metrics = {
      {"critic_gap", (real_sum - fake_sum) / static_cast<double>(data_.eval_size)}};
  add_fid(metrics, [&](std::int64_t m, core::Generator& g) {
    return ((n.generate(m, g) + 1.0) * 0.5).data();  // tanh range to the classifier's [0, 1]
  });
  return metrics;
}

void GanFashionTask::save_samples(const std::filesystem::path& run_dir, std::int64_t step) {
  Evaluating scope(model_);
  core::Generator gen = eval_generator();
  const generative::GridOptions tanh_range{.low = -1, .high = 1};
  generative::save_image_grid(png_path(run_dir, "samples", step),
                              model_.generator.sample(64, gen).data(), 8, tanh_range);
  save_interpolations(
      run_dir, step, options_.net.z_dim, [this](const Tensor& z) { return model_.generator(z); },
      tanh_range);
}

// ---- rows

TaskEntry vae_fashion_entry() {
  const FashionData d;
  const VaeTaskOptions v;
  std::vector<Key> keys = {
      choice_key("model.arch", "mlp", "encoder / decoder: mlp or conv", {"mlp", "conv"}),
      integer_key("model.width", 256,
                  "mlp: hidden widths (2w, w); conv: channels of the first conv", 1),
      integer_key("model.latent", v.vae.latent, "latent dims", 1),
      choice_key("model.likelihood", "bernoulli", "decoder likelihood", {"bernoulli", "gaussian"}),
      number_key("model.decoder_std", v.vae.decoder_std, "std of the Gaussian decoder", 1e-6),
      number_key("model.beta", v.vae.beta, "weight of the KL in the training loss (beta-VAE)"),
      integer_key("data.iw_samples", v.iw_samples, "importance samples of the eval's IW bound", 1)};
  for (Key& k : fashion_keys(d)) keys.push_back(std::move(k));
  return {"vae_fashion", "a VAE on Fashion-MNIST; eval: test ELBO and IW bound (nats), sample PNGs",
          std::move(keys), [](const Config& c) -> std::unique_ptr<Task> {
            const VaeTaskOptions options{
                .data = fashion_data(c),
                .vae = {.net = image_net(c.get<std::string>("model.arch"),
                                         c.get<std::int64_t>("model.width")),
                        .latent = c.get<std::int64_t>("model.latent"),
                        .likelihood = c.get<std::string>("model.likelihood") == "gaussian"
                                          ? generative::Likelihood::gaussian
                                          : generative::Likelihood::bernoulli,
                        .decoder_std = c.get<double>("model.decoder_std"),
                        .beta = c.get<double>("model.beta")},
                .iw_samples = c.get<std::int64_t>("data.iw_samples")};
            return std::make_unique<VaeTask>(options, c.get<std::uint64_t>("seed"));
          }};
}

TaskEntry eae_fashion_entry() {
  const FashionData d;
  const EaeTaskOptions e;
  std::vector<Key> keys = {
      choice_key("model.arch", "mlp", "encoder / decoder: mlp or conv", {"mlp", "conv"}),
      integer_key("model.width", 256,
                  "mlp: hidden widths (2w, w); conv: channels of the first conv", 1),
      integer_key("model.latent", e.eae.latent, "latent dims", 1),
      number_key("model.lambda", e.eae.lambda, "weight of the entropy reward"),
      integer_key("model.knn_k", e.eae.entropy.k, "k of the kNN entropy estimate", 1)};
  for (Key& k : fashion_keys(d)) keys.push_back(std::move(k));
  return {"eae_fashion",
          "an entropic autoencoder on Fashion-MNIST; eval: reconstruction error, latent entropy",
          std::move(keys), [](const Config& c) -> std::unique_ptr<Task> {
            const EaeTaskOptions options{
                .data = fashion_data(c),
                .eae = {.net = image_net(c.get<std::string>("model.arch"),
                                         c.get<std::int64_t>("model.width")),
                        .latent = c.get<std::int64_t>("model.latent"),
                        .lambda = c.get<double>("model.lambda"),
                        .entropy = {.k = c.get<std::int64_t>("model.knn_k")}}};
            return std::make_unique<EaeTask>(options, c.get<std::uint64_t>("seed"));
          }};
}

TaskEntry gan_mixture_entry() {
  const GanMixtureOptions g;
  return {
      "gan_mixture",
      "a GAN (GN, GraN, WGAN-GP or SN critic) on a 2-D Gaussian mixture; eval: mode coverage",
      concat(gan_keys(g.objective),
             {integer_key("model.z_dim", g.z_dim, "noise dims", 1),
              integer_key("model.width", g.width, "hidden width of generator and critic", 1),
              integer_key("model.depth", g.depth, "hidden layers of generator and critic", 1),
              choice_key("data.mixture", g.mixture, "ring: 8 modes, grid: 25", {"ring", "grid"}),
              integer_key("data.size", g.dataset_size, "points in the dataset (one epoch)", 1),
              integer_key("data.batch_size", g.batch_size, "B: real points per critic update", 1),
              integer_key("data.eval_size", g.eval_size, "generated points judged by mode coverage",
                          1)}),
      [](const Config& c) -> std::unique_ptr<Task> {
        const GanMixtureOptions options{.mixture = c.get<std::string>("data.mixture"),
                                        .dataset_size = c.get<std::int64_t>("data.size"),
                                        .batch_size = c.get<std::int64_t>("data.batch_size"),
                                        .eval_size = c.get<std::int64_t>("data.eval_size"),
                                        .objective = gan_objective(c),
                                        .z_dim = c.get<std::int64_t>("model.z_dim"),
                                        .width = c.get<std::int64_t>("model.width"),
                                        .depth = c.get<std::int64_t>("model.depth")};
        return std::make_unique<GanMixtureTask>(options, c.get<std::uint64_t>("seed"));
      }};
}

TaskEntry gan_fashion_entry() {
  const GanFashionOptions g;
  const FashionData d{.batch_size = 64, .eval_size = 500};
  return {"gan_fashion",
          "a DCGAN (GN, GraN, WGAN-GP or SN critic) on Fashion-MNIST; eval: FID, sample PNGs",
          concat(concat(gan_keys(g.objective),
                        {integer_key("model.z_dim", g.net.z_dim, "noise dims", 1),
                         integer_key("model.width", g.net.width,
                                     "w: channels at 28x28 (2w at 14x14, 4w at 7x7)", 1)}),
                 fashion_keys(d, "B: real images per critic update, fakes per update")),
          [](const Config& c) -> std::unique_ptr<Task> {
            const GanFashionOptions options{.data = fashion_data(c),
                                            .objective = gan_objective(c),
                                            .net = {.z_dim = c.get<std::int64_t>("model.z_dim"),
                                                    .width = c.get<std::int64_t>("model.width")}};
            return std::make_unique<GanFashionTask>(options, c.get<std::uint64_t>("seed"));
          }};
}

}  // namespace liandan::experiments
