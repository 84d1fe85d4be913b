// The vae_fashion task: a VAE (nn::generative::VAE) on Fashion-MNIST, trained on the negative
// (beta-)ELBO with noise from the default generator. Eval: "elbo" and "iw_bound" (nats per
// image, the bounds with beta = 1), "kl" and "fid" (of the decoder's mean images); pictures: 64
// samples, 16 test images over their reconstructions, interpolations.
#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/generative/vae.hpp"
#include "tasks/fashion_images.hpp"

namespace liandan::experiments {
namespace generative = nn::generative;
namespace {

struct VaeOptions {
  ImageNetShape net;
  generative::VAEOptions vae;    // its net is set from the one above
  std::int64_t iw_samples = 64;  // k of the eval's importance-weighted bound
  FashionData data;
};

Fields<generative::VAEOptions> vae_fields() {
  using V = generative::VAEOptions;
  return {
      integer("latent", &V::latent, "latent dims", {.min = 1}),
      choice("likelihood", &V::likelihood, "decoder likelihood", {"bernoulli", "gaussian"}),
      number("decoder_std", &V::decoder_std, "std of the Gaussian decoder", {.min = 1e-6}),
      number("beta", &V::beta, "weight of the KL in the training loss (beta-VAE)", {.min = 0}),
  };
}

const Fields<VaeOptions>& fields(const VaeOptions*) {
  using O = VaeOptions;
  static const Fields<O> table = concat<O>({
      embed("model.", &O::net, fields_of<ImageNetShape>()),
      embed("model.", &O::vae, vae_fields()),
      {integer("data.iw_samples", &O::iw_samples, "importance samples of the eval's IW bound",
               {.min = 1})},
      embed("", &O::data, fields_of<FashionData>()),
  });
  return table;
}

class VaeTask : public FashionImageTask {
 public:
  using Options = VaeOptions;

  VaeTask(const Options& options, const TaskContext& context)
      : FashionImageTask(options.data, context, options.data.batch_size),
        options_(options),
        vae_(options.net.applied_to(options.vae)) {}

  nn::Module& model() override { return vae_; }

  Tensor loss(const Batch& batch) override { return vae_.loss(batch["image"]).loss; }

  std::map<std::string, double> evaluate() override {
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
    add_fid(metrics,
            [this](std::int64_t m, core::Generator& g) { return vae_.sample(m, g).data(); });
    return metrics;
  }

  bool higher_is_better(const std::string& metric) const override {
    return metric == "elbo" || metric == "iw_bound";
  }

  void save_samples(const std::filesystem::path& run_dir, std::int64_t step) override {
    core::Generator gen = eval_generator();
    generative::save_image_grid(png_path(run_dir, "samples", step), vae_.sample(64, gen).data(), 8);
    save_reconstructions(run_dir, step, [this](const Tensor& x) { return vae_(x); });
    save_interpolations(run_dir, step, options_.vae.latent,
                        [this](const Tensor& z) { return vae_.mean_image(vae_.decode(z)); });
  }

 private:
  Options options_;
  generative::VAE vae_;
};

}  // namespace

TaskEntry vae_fashion_task() {
  return task_entry<VaeTask>("vae_fashion",
                             "a VAE on Fashion-MNIST; eval: test ELBO and IW bound (nats), "
                             "sample PNGs",
                             /*takes_fid_classifier=*/true);
}

}  // namespace liandan::experiments
