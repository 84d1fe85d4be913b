// The gan_mixture task (ALGORITHMS.md 8c): a GAN on a 2-D Gaussian mixture. model() holds
// "generator." (MlpGan z -> 2) and "critic." (MlpGan 2 -> 1); a step is gan_step (a batch holds
// n_dis * B real points). Eval: "modes" covered and "high_quality" fraction of eval_size
// samples (nn::generative::mode_coverage); pictures: real (grey) and generated (blue) points.
#include "liandan/autograd/autograd.hpp"
#include "liandan/data/loader.hpp"
#include "liandan/data/synthetic.hpp"
#include "liandan/nn/generative/gan.hpp"
#include "liandan/nn/generative/images.hpp"
#include "liandan/nn/generative/mixtures.hpp"
#include "tasks/gan.hpp"

namespace liandan::experiments {
namespace generative = nn::generative;
namespace {

struct GanMixtureOptions {
  GanObjective objective = {};
  std::int64_t z_dim = 2;
  std::int64_t width = 128;
  std::int64_t depth = 3;
  std::string mixture = "ring";  // data::GaussianMixture::ring (8 modes) or ::grid (25)
  std::int64_t dataset_size = 65536;
  std::int64_t batch_size = 256;  // B, per critic update and for the generator update
  std::int64_t eval_size = 2000;  // generated points judged by mode_coverage
};

const Fields<GanMixtureOptions>& fields(const GanMixtureOptions*) {
  using O = GanMixtureOptions;
  static const Fields<O> table = concat<O>({
      embed("model.", &O::objective, fields_of<GanObjective>()),
      {integer("model.z_dim", &O::z_dim, "noise dims", {.min = 1}),
       integer("model.width", &O::width, "hidden width of generator and critic", {.min = 1}),
       integer("model.depth", &O::depth, "hidden layers of generator and critic", {.min = 1}),
       text("data.mixture", &O::mixture, "ring: 8 modes, grid: 25", {"ring", "grid"}),
       integer("data.size", &O::dataset_size, "points in the dataset (one epoch)", {.min = 1}),
       integer("data.batch_size", &O::batch_size, "B: real points per critic update", {.min = 1}),
       integer("data.eval_size", &O::eval_size, "generated points judged by mode coverage",
               {.min = 1})},
  });
  return table;
}

struct GanPair : nn::Module {
  explicit GanPair(const GanMixtureOptions& o)
      : generator({.in_features = o.z_dim, .out_features = 2, .width = o.width, .depth = o.depth}),
        critic({.in_features = 2,
                .out_features = 1,
                .width = o.width,
                .depth = o.depth,
                .spectral_norm = o.objective.critic == CriticKind::sn}) {
    register_modules({{"generator", generator}, {"critic", critic}});
  }
  generative::MlpGan generator, critic;
};

std::shared_ptr<data::GaussianMixture> mixture_dataset(const GanMixtureOptions& o,
                                                       std::uint64_t seed) {
  return std::make_shared<data::GaussianMixture>(
      o.mixture == "ring" ? data::GaussianMixture::ring(o.dataset_size, seed)
                          : data::GaussianMixture::grid(o.dataset_size, seed));
}

class GanMixtureTask : public Task {
 public:
  using Options = GanMixtureOptions;

  GanMixtureTask(const Options& options, const TaskContext& context)
      : options_(options),
        seed_(context.seed),
        model_(options),
        dataset_(mixture_dataset(options, data_seed(context.seed, 2))),
        mixture_{.centres = dataset_->centres(), .std = dataset_->stddev()},
        loader_(dataset_, {.batch_size = options.objective.n_dis * options.batch_size,
                           .shuffle = true,
                           .seed = data_seed(context.seed, 0),
                           .drop_last = true}) {}

  nn::Module& model() override { return model_; }

  Batch next_batch() override {
    const data::Batch b = loader_.next_batch();
    return {.tensors = {{"x", b["x"]}}, .examples = options_.objective.n_dis * options_.batch_size};
  }

  StepResult train_step(const Batch& batch, const UpdateFn& update) override {
    const GanNets nets{
        .raw = [this](const Tensor& y) { return model_.critic(y); },
        .generate = [this](std::int64_t n, core::Generator& g) { return generate(n, g); }};
    return gan_step(options_.objective, nets, batch["x"], options_.batch_size, update);
  }

  std::map<std::string, double> evaluate() override {
    core::Generator g(data_seed(seed_, 1));
    const generative::ModeCoverage c =
        generative::mode_coverage(mixture_, generate(options_.eval_size, g).data());
    return {{"modes", static_cast<double>(c.covered)}, {"high_quality", c.high_quality}};
  }

  bool higher_is_better(const std::string& metric) const override {
    return metric == "modes" || metric == "high_quality";
  }

  void save_samples(const std::filesystem::path& run_dir, std::int64_t step) override {
    core::Generator g(data_seed(seed_, 1));  // the points evaluate() judged
    const core::Tensor fake = generate(options_.eval_size, g).data();
    const core::Tensor real = generative::sample_mixture(mixture_, options_.eval_size, g);
    const double e = options_.mixture == "grid" ? 5.5 : 3;
    generative::save_png(
        (run_dir / fmt::format("samples_step_{}.png", step)).string(),
        generative::scatter_plot({{real, {180, 180, 180}, 1}, {fake, {31, 119, 180}, 1}},
                                 {.x_min = -e, .x_max = e, .y_min = -e, .y_max = e}));
  }

  core::NamedTensors sampler_state() const override { return loader_.state_dict(); }
  void load_sampler_state(const core::NamedTensors& state) override {
    loader_.load_state_dict(state);
  }

 private:
  Tensor generate(std::int64_t n, core::Generator& g) {
    return model_.generator(Tensor(core::normal({n, options_.z_dim}, 0, 1, DType::f32, g)));
  }

  Options options_;
  std::uint64_t seed_;
  GanPair model_;
  std::shared_ptr<data::GaussianMixture> dataset_;
  generative::Mixture2d mixture_;  // the dataset's centres and std, for mode_coverage
  data::DataLoader loader_;
};

}  // namespace

TaskEntry gan_mixture_task() {
  return task_entry<GanMixtureTask>(
      "gan_mixture",
      "a GAN (GN, GraN, WGAN-GP or SN critic) on a 2-D Gaussian mixture; eval: mode coverage");
}

}  // namespace liandan::experiments
