// The generative tasks (generative_tasks.hpp) and their rows of the task table.
#include "liandan/experiments/generative_tasks.hpp"

#include <fmt/format.h>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/generative/images.hpp"

namespace liandan::experiments {
namespace generative = nn::generative;
namespace {

// ---- config rows

Key whole(std::string path, std::int64_t fallback, std::string help, double min = 1) {
  return {.path = std::move(path),
          .type = Type::integer,
          .fallback = std::to_string(fallback),
          .help = std::move(help),
          .min = min};
}
Key real(std::string path, double fallback, std::string help, double min = 0) {
  return {.path = std::move(path),
          .type = Type::number,
          .fallback = fmt::format("{}", fallback),
          .help = std::move(help),
          .min = min};
}
Key choice(std::string path, std::string fallback, std::string help,
           std::vector<std::string> choices) {
  return {.path = std::move(path),
          .type = Type::string,
          .fallback = std::move(fallback),
          .help = std::move(help),
          .choices = std::move(choices)};
}

std::vector<Key> fashion_keys(const FashionData& d) {
  return {{.path = "data.dir",
           .type = Type::string,
           .fallback = d.dir,
           .help = "directory of the Fashion-MNIST IDX files (Debian's dataset-fashion-mnist)"},
          whole("data.batch_size", d.batch_size, "training batch"),
          whole("data.eval_size", d.eval_size, "test images evaluated (the first ones)")};
}
FashionData fashion_data(const Config& c) {
  return {.dir = c.get<std::string>("data.dir"),
          .batch_size = c.get<std::int64_t>("data.batch_size"),
          .eval_size = c.get<std::int64_t>("data.eval_size")};
}

generative::GanLoss gan_loss_of(const std::string& name) {
  if (name == "hinge") return generative::GanLoss::hinge;
  if (name == "wasserstein") return generative::GanLoss::wasserstein;
  check(name == "non_saturating", "gan_mixture: unknown loss '{}'", name);
  return generative::GanLoss::non_saturating;
}
CriticKind critic_of(const std::string& name) {
  if (name == "gn") return CriticKind::gn;
  if (name == "gran") return CriticKind::gran;
  if (name == "wgan_gp") return CriticKind::wgan_gp;
  check(name == "sn", "gan_mixture: unknown critic '{}'", name);
  return CriticKind::sn;
}

// ---- sampler states: the loader's (seed, epoch, position, dataset_size) as named tensors

nn::NamedTensors to_nn(const data::NamedTensors& state) {
  nn::NamedTensors out;
  for (const auto& [name, t] : state) out.emplace_back(name, Tensor(t));
  return out;
}
data::NamedTensors to_data(const nn::NamedTensors& state) {
  data::NamedTensors out;
  for (const auto& [name, t] : state) out.add(name, t.data());
  return out;
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

FashionTask::FashionTask(const FashionData& options, std::uint64_t seed)
    : data_(options),
      seed_(seed),
      loader_(data::fashion_mnist({.dir = options.dir, .train = true}),
              {.batch_size = options.batch_size,
               .shuffle = true,
               .seed = data_seed(seed, 0),
               .drop_last = true}) {
  const auto test = data::fashion_mnist({.dir = options.dir, .train = false});
  check(options.eval_size <= test->size(), "fashion task: data.eval_size {} > {} test images",
        options.eval_size, test->size());
  eval_images_ = test->tensors()["image"].narrow(0, 0, options.eval_size).contiguous();
}

Batch FashionTask::next_batch() {
  const data::Batch b = loader_.next_batch();
  return {.tensors = {{"image", Tensor(b["image"])}}, .examples = data_.batch_size};
}

nn::NamedTensors FashionTask::sampler_state() const { return to_nn(loader_.state_dict()); }

void FashionTask::load_sampler_state(const nn::NamedTensors& state) {
  loader_.load_state_dict(to_data(state));
}

std::vector<Tensor> FashionTask::eval_chunks() const {
  std::vector<Tensor> chunks;
  for (std::int64_t i = 0; i < data_.eval_size; i += 100)
    chunks.emplace_back(
        eval_images_.narrow(0, i, std::min<std::int64_t>(100, data_.eval_size - i)));
  return chunks;
}

VaeTask::VaeTask(const VaeTaskOptions& options, std::uint64_t seed)
    : FashionTask(options.data, seed), options_(options), vae_(options.vae) {}

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
  return {{"elbo", elbo / n}, {"iw_bound", iw / n}, {"kl", kl / n}};
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
}

EaeTask::EaeTask(const EaeTaskOptions& options, std::uint64_t seed)
    : FashionTask(options.data, seed), options_(options), eae_(options.eae) {}

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
  return {{"recon", recon}, {"entropy", entropy}, {"loss", recon - options_.eae.lambda * entropy}};
}

void EaeTask::save_samples(const std::filesystem::path& run_dir, std::int64_t step) {
  Evaluating scope(eae_);
  core::Generator gen = eval_generator();
  generative::save_image_grid(png_path(run_dir, "samples", step), eae_.sample(64, gen).data(), 8);
  const Tensor shown(eval_images_.narrow(0, 0, std::min<std::int64_t>(16, data_.eval_size)));
  save_reconstructions(png_path(run_dir, "reconstructions", step), shown, eae_(shown));
}

// ---- GAN on a 2-D mixture

GanMixtureTask::Pair::Pair(const GanMixtureOptions& o)
    : generator({.in_features = o.z_dim, .out_features = 2, .width = o.width, .depth = o.depth}),
      critic({.in_features = 2,
              .out_features = 1,
              .width = o.width,
              .depth = o.depth,
              .spectral_norm = o.critic == CriticKind::sn}) {
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
      loader_(dataset_, {.batch_size = options.n_dis * options.batch_size,
                         .shuffle = true,
                         .seed = data_seed(seed, 0),
                         .drop_last = true}) {}

Batch GanMixtureTask::next_batch() {
  const data::Batch b = loader_.next_batch();
  return {.tensors = {{"x", Tensor(b["x"])}}, .examples = options_.n_dis * options_.batch_size};
}

Tensor GanMixtureTask::critic_out(const Tensor& x) {
  const generative::CriticFn raw = [this](const Tensor& y) { return model_.critic(y); };
  switch (options_.critic) {
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

Tensor GanMixtureTask::generate(std::int64_t n, core::Generator& g) {
  return model_.generator(Tensor(core::normal({n, options_.z_dim}, 0, 1, DType::f32, g)));
}

StepResult GanMixtureTask::train_step(const Batch& batch, const UpdateFn& update) {
  const std::int64_t b = options_.batch_size;
  const Tensor& real_all = batch["x"];  // (n_dis * B, 2)
  core::Generator& noise = core::default_generator();
  StepResult result;
  for (std::int64_t k = 0; k < options_.n_dis; ++k) {
    const Tensor real = narrow(real_all, 0, k * b, b);  // (B, 2)
    Tensor fake;
    {
      NoGradGuard no_grad;
      fake = generate(b, noise);
    }
    Tensor d_loss = generative::critic_loss(options_.loss, critic_out(real), critic_out(fake));
    if (options_.critic == CriticKind::wgan_gp) {
      const generative::CriticFn raw = [this](const Tensor& y) { return model_.critic(y); };
      d_loss = d_loss + generative::gradient_penalty(raw, real, fake, noise) * options_.gp_lambda;
    }
    result.grad_norm = update(d_loss, "critic.");
    result.loss = d_loss;
  }
  const Tensor g_loss = generative::generator_loss(options_.loss, critic_out(generate(b, noise)));
  result.extra["generator_grad_norm"] = update(g_loss, "generator.");
  result.extra["generator_loss"] = g_loss.item();
  return result;
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

nn::NamedTensors GanMixtureTask::sampler_state() const { return to_nn(loader_.state_dict()); }

void GanMixtureTask::load_sampler_state(const nn::NamedTensors& state) {
  loader_.load_state_dict(to_data(state));
}

// ---- rows

TaskEntry vae_fashion_entry() {
  const FashionData d;
  const VaeTaskOptions v;
  std::vector<Key> keys = {
      choice("model.arch", "mlp", "encoder / decoder: mlp or conv", {"mlp", "conv"}),
      whole("model.width", 256, "mlp: hidden widths (2w, w); conv: channels of the first conv"),
      whole("model.latent", v.vae.latent, "latent dims"),
      choice("model.likelihood", "bernoulli", "decoder likelihood", {"bernoulli", "gaussian"}),
      real("model.decoder_std", v.vae.decoder_std, "std of the Gaussian decoder", 1e-6),
      real("model.beta", v.vae.beta, "weight of the KL in the training loss (beta-VAE)"),
      whole("data.iw_samples", v.iw_samples, "importance samples of the eval's IW bound")};
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
      choice("model.arch", "mlp", "encoder / decoder: mlp or conv", {"mlp", "conv"}),
      whole("model.width", 256, "mlp: hidden widths (2w, w); conv: channels of the first conv"),
      whole("model.latent", e.eae.latent, "latent dims"),
      real("model.lambda", e.eae.lambda, "weight of the entropy reward"),
      whole("model.knn_k", e.eae.entropy.k, "k of the kNN entropy estimate")};
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
  return {"gan_mixture",
          "a GAN (GN, GraN, WGAN-GP or SN critic) on a 2-D Gaussian mixture; eval: mode coverage",
          {choice("model.critic", "gn", "critic normalisation", {"gn", "gran", "wgan_gp", "sn"}),
           choice("model.loss", "hinge", "GAN loss", {"hinge", "non_saturating", "wasserstein"}),
           whole("model.n_dis", g.n_dis, "critic updates per step"),
           real("model.gp_lambda", g.gp_lambda, "weight of the gradient penalty (wgan_gp)"),
           whole("model.z_dim", g.z_dim, "noise dims"),
           whole("model.width", g.width, "hidden width of generator and critic"),
           whole("model.depth", g.depth, "hidden layers of generator and critic"),
           choice("data.mixture", g.mixture, "ring: 8 modes, grid: 25", {"ring", "grid"}),
           whole("data.size", g.dataset_size, "points in the dataset (one epoch)"),
           whole("data.batch_size", g.batch_size, "B: real points per critic update"),
           whole("data.eval_size", g.eval_size, "generated points judged by mode coverage")},
          [](const Config& c) -> std::unique_ptr<Task> {
            const GanMixtureOptions options{.mixture = c.get<std::string>("data.mixture"),
                                            .dataset_size = c.get<std::int64_t>("data.size"),
                                            .batch_size = c.get<std::int64_t>("data.batch_size"),
                                            .eval_size = c.get<std::int64_t>("data.eval_size"),
                                            .critic = critic_of(c.get<std::string>("model.critic")),
                                            .loss = gan_loss_of(c.get<std::string>("model.loss")),
                                            .n_dis = c.get<std::int64_t>("model.n_dis"),
                                            .gp_lambda = c.get<double>("model.gp_lambda"),
                                            .z_dim = c.get<std::int64_t>("model.z_dim"),
                                            .width = c.get<std::int64_t>("model.width"),
                                            .depth = c.get<std::int64_t>("model.depth")};
            return std::make_unique<GanMixtureTask>(options, c.get<std::uint64_t>("seed"));
          }};
}

}  // namespace liandan::experiments
