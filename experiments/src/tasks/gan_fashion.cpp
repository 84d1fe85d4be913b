// The gan_fashion task: a DCGAN on Fashion-MNIST. model() holds "generator." (DCGANGenerator)
// and "critic." (DCGANCritic); real images are mapped to the generator's (-1, 1) by 2x - 1; a
// step is gan_step (a batch holds n_dis * B images). Eval (generator BatchNorm on running
// statistics): "critic_gap", the mean critic output (as the loss sees it) on the eval images
// minus that on as many samples, and "fid" of the samples mapped to [0, 1]; pictures: 64
// samples and interpolations.
#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/generative/gan.hpp"
#include "tasks/fashion_images.hpp"
#include "tasks/gan.hpp"

namespace liandan::experiments {
namespace generative = nn::generative;
namespace {

struct GanFashionOptions {
  // GN-GAN's CNN setting (ALGORITHMS.md 8a): non-saturating loss on f_hat, n_dis 1.
  GanObjective objective = {.critic = CriticKind::gn,
                            .loss = generative::GanLoss::non_saturating,
                            .n_dis = 1,
                            .gp_lambda = 10};
  generative::DCGANOptions net = {.z_dim = 64, .width = 32};
  FashionData data = {.batch_size = 64, .eval_size = 500};  // data.batch_size is B
};

const Fields<GanFashionOptions>& fields(const GanFashionOptions*) {
  using O = GanFashionOptions;
  using D = generative::DCGANOptions;
  static const Fields<O> table = concat<O>({
      embed("model.", &O::objective, fields_of<GanObjective>()),
      embed("model.", &O::net,
            Fields<D>{integer("z_dim", &D::z_dim, "noise dims", {.min = 1}),
                      integer("width", &D::width, "w: channels at 28x28 (2w at 14x14, 4w at 7x7)",
                              {.min = 1})}),
      embed("", &O::data, fields_of<FashionData>()),
  });
  return table;
}

struct DcganPair : nn::Module {
  explicit DcganPair(const GanFashionOptions& o)
      : generator(o.net),
        critic({.z_dim = o.net.z_dim,
                .width = o.net.width,
                .spectral_norm = o.objective.critic == CriticKind::sn,
                .dtype = o.net.dtype}) {
    register_modules({{"generator", generator}, {"critic", critic}});
  }
  generative::DCGANGenerator generator;
  generative::DCGANCritic critic;
};

class GanFashionTask : public FashionImageTask {
 public:
  using Options = GanFashionOptions;

  GanFashionTask(const Options& options, const TaskContext& context)
      : FashionImageTask(options.data, context, options.objective.n_dis * options.data.batch_size),
        options_(options),
        model_(options) {}

  nn::Module& model() override { return model_; }

  StepResult train_step(const Batch& batch, const UpdateFn& update) override {
    const Tensor real = batch["image"] * 2.0 - 1.0;  // (n_dis B, 1, 28, 28) in [-1, 1]
    return gan_step(options_.objective, nets(), real, options_.data.batch_size, update);
  }

  std::map<std::string, double> evaluate() override {
    const GanNets n = nets();
    core::Generator gen = eval_generator();
    double real_sum = 0, fake_sum = 0;
    for (const Tensor& x : eval_chunks()) {  // (m, 1, 28, 28)
      real_sum += sum(normalized_critic(options_.objective.critic, n.raw, x * 2.0 - 1.0)).item();
      fake_sum +=
          sum(normalized_critic(options_.objective.critic, n.raw, n.generate(x.size(0), gen)))
              .item();
    }
    std::map<std::string, double> metrics = {
        {"critic_gap", (real_sum - fake_sum) / static_cast<double>(data_.eval_size)}};
    add_fid(metrics, [&](std::int64_t m, core::Generator& g) {
      return ((n.generate(m, g) + 1.0) * 0.5).data();  // tanh range to the classifier's [0, 1]
    });
    return metrics;
  }

  void save_samples(const std::filesystem::path& run_dir, std::int64_t step) override {
    core::Generator gen = eval_generator();
    const generative::GridOptions tanh_range{.low = -1, .high = 1};
    generative::save_image_grid(png_path(run_dir, "samples", step),
                                model_.generator.sample(64, gen).data(), 8, tanh_range);
    save_interpolations(
        run_dir, step, options_.net.z_dim, [this](const Tensor& z) { return model_.generator(z); },
        tanh_range);
  }

 private:
  GanNets nets() {
    return {.raw = [this](const Tensor& x) { return model_.critic(x); },
            .generate = [this](std::int64_t n,
                               core::Generator& g) { return model_.generator.sample(n, g); }};
  }

  Options options_;
  DcganPair model_;
};

}  // namespace

TaskEntry gan_fashion_task() {
  return task_entry<GanFashionTask>(
      "gan_fashion",
      "a DCGAN (GN, GraN, WGAN-GP or SN critic) on Fashion-MNIST; eval: FID, sample PNGs",
      /*takes_fid_classifier=*/true);
}

}  // namespace liandan::experiments
