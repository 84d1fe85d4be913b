// The eae_fashion task: an entropic autoencoder (nn::generative::EAE) on Fashion-MNIST, trained
// on mean ||x - D(z)||^2 - lambda H(z). Eval (BatchNorm on running statistics): "recon" (squared
// error summed over pixels, per image), "entropy" (the kNN estimate over the eval codes), "loss"
// and "fid"; pictures: 64 samples D(z ~ N(0, I)), reconstructions, interpolations.
#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/generative/eae.hpp"
#include "tasks/fashion_images.hpp"

namespace liandan::experiments {
namespace generative = nn::generative;
namespace {

struct EaeOptions {
  ImageNetShape net;
  generative::EAEOptions eae;  // its net is set from the one above
  FashionData data;
};

Fields<generative::EAEOptions> eae_fields() {
  using E = generative::EAEOptions;
  using K = generative::KnnEntropyOptions;
  return concat<E>({
      {integer("latent", &E::latent, "latent dims", {.min = 1}),
       number("lambda", &E::lambda, "weight of the entropy reward", {.min = 0})},
      embed("knn_", &E::entropy,
            Fields<K>{integer("k", &K::k, "k of the kNN entropy estimate", {.min = 1})}),
  });
}

const Fields<EaeOptions>& fields(const EaeOptions*) {
  using O = EaeOptions;
  static const Fields<O> table = concat<O>({
      embed("model.", &O::net, fields_of<ImageNetShape>()),
      embed("model.", &O::eae, eae_fields()),
      embed("", &O::data, fields_of<FashionData>()),
  });
  return table;
}

class EaeTask : public FashionImageTask {
 public:
  using Options = EaeOptions;

  EaeTask(const Options& options, const TaskContext& context)
      : FashionImageTask(options.data, context, options.data.batch_size),
        options_(options),
        eae_(options.net.applied_to(options.eae)) {}

  nn::Module& model() override { return eae_; }

  Tensor loss(const Batch& batch) override { return eae_.loss(batch["image"]).loss; }

  std::map<std::string, double> evaluate() override {
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
    add_fid(metrics,
            [this](std::int64_t m, core::Generator& g) { return eae_.sample(m, g).data(); });
    return metrics;
  }

  bool higher_is_better(const std::string& metric) const override { return metric == "entropy"; }

  void save_samples(const std::filesystem::path& run_dir, std::int64_t step) override {
    core::Generator gen = eval_generator();
    generative::save_image_grid(png_path(run_dir, "samples", step), eae_.sample(64, gen).data(), 8);
    save_reconstructions(run_dir, step, [this](const Tensor& x) { return eae_(x); });
    save_interpolations(run_dir, step, options_.eae.latent,
                        [this](const Tensor& z) { return eae_.decode(z); });
  }

 private:
  Options options_;
  generative::EAE eae_;
};

}  // namespace

TaskEntry eae_fashion_task() {
  return task_entry<EaeTask>(
      "eae_fashion",
      "an entropic autoencoder on Fashion-MNIST; eval: reconstruction error, latent entropy",
      /*takes_fid_classifier=*/true);
}

}  // namespace liandan::experiments
