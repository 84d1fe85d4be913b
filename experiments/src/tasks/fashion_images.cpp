// The Fashion-MNIST base of the generative tasks (fashion_images.hpp).
#include "tasks/fashion_images.hpp"

#include <fmt/format.h>

#include "liandan/autograd/autograd.hpp"

namespace liandan::experiments {
namespace generative = nn::generative;

const Fields<FashionData>& fields(const FashionData*) {
  static const Fields<FashionData> table = {
      text("data.dir", &FashionData::dir,
           "directory of the Fashion-MNIST IDX files (Debian's dataset-fashion-mnist)"),
      integer("data.batch_size", &FashionData::batch_size,
              "training batch (a GAN: B real images per critic update, B fakes per update)",
              {.min = 1}),
      integer("data.eval_size", &FashionData::eval_size, "test images evaluated (the first ones)",
              {.min = 1}),
      integer("eval.fid_samples", &FashionData::fid_samples,
              "N: generated images and first test images of the FID", {.min = 2}),
  };
  return table;
}

const Fields<ImageNetShape>& fields(const ImageNetShape*) {
  static const Fields<ImageNetShape> table = {
      choice("arch", &ImageNetShape::arch, "encoder / decoder: mlp or conv", {"mlp", "conv"}),
      integer("width", &ImageNetShape::width,
              "mlp: hidden widths (2w, w); conv: channels of the first conv", {.min = 1}),
  };
  return table;
}

generative::ImageNetOptions ImageNetShape::options() const {
  if (arch == generative::ImageArch::conv) return {.arch = arch, .hidden = {width}};
  return {.arch = arch, .hidden = {2 * width, width}};
}

FashionImageTask::FashionImageTask(const FashionData& options, const TaskContext& context,
                                   std::int64_t loader_batch)
    : data_(options),
      seed_(context.seed),
      loader_(data::fashion_mnist({.dir = options.dir, .train = true}),
              {.batch_size = loader_batch,
               .shuffle = true,
               .seed = data_seed(context.seed, 0),
               .drop_last = true}),
      loader_batch_(loader_batch) {
  const auto test = data::fashion_mnist({.dir = options.dir, .train = false});
  check(options.eval_size <= test->size(), "fashion task: data.eval_size {} > {} test images",
        options.eval_size, test->size());
  eval_images_ = test->tensors()["image"].narrow(0, 0, options.eval_size).contiguous();
  if (context.fid_classifier)
    fid_ = std::make_unique<FashionFid>(
        context.fid_classifier,
        FidOptions{.samples = options.fid_samples, .data_dir = options.dir});
}

Batch FashionImageTask::next_batch() {
  const data::Batch b = loader_.next_batch();
  return {.tensors = {{"image", b["image"]}}, .examples = loader_batch_};
}

core::NamedTensors FashionImageTask::sampler_state() const { return loader_.state_dict(); }

void FashionImageTask::load_sampler_state(const core::NamedTensors& state) {
  loader_.load_state_dict(state);
}

std::vector<Tensor> FashionImageTask::eval_chunks() const {
  std::vector<Tensor> chunks;
  for (std::int64_t i = 0; i < data_.eval_size; i += 100)
    chunks.emplace_back(
        eval_images_.narrow(0, i, std::min<std::int64_t>(100, data_.eval_size - i)));
  return chunks;
}

void FashionImageTask::add_fid(std::map<std::string, double>& metrics,
                               const ImageSampler& sample) const {
  // Its own noise stream (data_seed(seed, 3)): the FID's samples do not depend on what else
  // the eval draws.
  if (fid_) metrics["fid"] = fid_->of_samples(sample, data_seed(seed_, 3));
}

std::string FashionImageTask::png_path(const std::filesystem::path& run_dir, const char* what,
                                       std::int64_t step) {
  return (run_dir / fmt::format("{}_step_{}.png", what, step)).string();
}

void FashionImageTask::save_reconstructions(
    const std::filesystem::path& run_dir, std::int64_t step,
    const std::function<Tensor(const Tensor&)>& reconstruct) const {
  const Tensor shown(eval_images_.narrow(0, 0, std::min<std::int64_t>(16, data_.eval_size)));
  generative::save_image_grid(png_path(run_dir, "reconstructions", step),
                              cat({shown, reconstruct(shown)}, 0).data(), shown.size(0));
}

void FashionImageTask::save_interpolations(const std::filesystem::path& run_dir, std::int64_t step,
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

}  // namespace liandan::experiments
