// PNG writing and reading through libpng, image grids, latent interpolation, scatter plots.
#include "liandan/nn/generative/images.hpp"

#include <fcntl.h>
#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "liandan/core/elementwise.hpp"

namespace liandan::nn::generative {
namespace {

// Note [libpng errors]: libpng reports errors by longjmp to the setjmp in its caller. These
// two functions hold only trivially destructible locals between setjmp and the libpng calls,
// and return a message that the C++ callers throw.
// write_png_c takes an open file and always closes it.
const char* write_png_c(FILE* file, const std::uint8_t* pixels, png_uint_32 width,
                        png_uint_32 height, int channels) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(file);
    return "libpng failed to write";
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, width, height, 8,
               channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (png_uint_32 y = 0; y < height; ++y)
    png_write_row(png, const_cast<png_bytep>(pixels + std::size_t(y) * width * channels));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return std::fclose(file) == 0 ? nullptr : "cannot close the file";
}

const char* read_png_c(const char* path, Image* out) {
  FILE* file = std::fopen(path, "rb");
  if (!file) return "cannot open the file";
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    std::fclose(file);
    return "not a PNG libpng can read";
  }
  png_init_io(png, file);
  png_read_info(png, info);
  const int type = png_get_color_type(png, info);
  if (png_get_bit_depth(png, info) != 8 ||
      (type != PNG_COLOR_TYPE_GRAY && type != PNG_COLOR_TYPE_RGB)) {
    png_destroy_read_struct(&png, &info, nullptr);
    std::fclose(file);
    return "only 8-bit grey or RGB PNGs are read";
  }
  out->width = png_get_image_width(png, info);
  out->height = png_get_image_height(png, info);
  out->channels = type == PNG_COLOR_TYPE_GRAY ? 1 : 3;
  out->pixels.resize(out->width * out->height * out->channels);
  for (std::int64_t y = 0; y < out->height; ++y)
    png_read_row(png, out->pixels.data() + y * out->width * out->channels, nullptr);
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  std::fclose(file);
  return nullptr;
}

std::uint8_t to_byte(double v, double low, double high) {
  const double t = std::clamp((v - low) / (high - low), 0.0, 1.0);
  return static_cast<std::uint8_t>(std::lround(t * 255));
}

}  // namespace

void save_png(const std::string& path, const Image& image) {
  check(image.width > 0 && image.height > 0 && (image.channels == 1 || image.channels == 3) &&
            static_cast<std::int64_t>(image.pixels.size()) ==
                image.width * image.height * image.channels,
        "save_png: {}: invalid image {}x{}x{} with {} bytes", path, image.width, image.height,
        image.channels, image.pixels.size());
  // Written beside path and renamed over it: a reader never sees half a PNG, and a symbolic
  // link at path is replaced, never written through (Note [Run directory safety] in liandan's
  // run_dir.hpp). The temporary is created O_EXCL | O_NOFOLLOW.
  const std::string tmp = fmt::format("{}.tmp-{}", path, ::getpid());
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  check(fd >= 0, "save_png: {}: cannot open '{}' for writing: {}", path, tmp, std::strerror(errno));
  FILE* file = ::fdopen(fd, "wb");
  if (!file) ::close(fd);
  const char* error =
      file ? write_png_c(file, image.pixels.data(), image.width, image.height, image.channels)
           : "cannot open the file for writing";
  if (!error && std::rename(tmp.c_str(), path.c_str()) != 0) error = "cannot rename it into place";
  if (error) {
    ::unlink(tmp.c_str());
    throw Error(fmt::format("save_png: {}: {}", path, error));
  }
}

Image load_png(const std::string& path) {
  Image image;
  if (const char* error = read_png_c(path.c_str(), &image))
    throw Error(fmt::format("load_png: {}: {}", path, error));
  return image;
}

Image image_grid(const core::Tensor& images, std::int64_t nrow, const GridOptions& o) {
  check(images.dim() == 4 && (images.size(1) == 1 || images.size(1) == 3) && images.size(0) > 0,
        "image_grid: images must be (N, 1 or 3, H, W), got {}", images.shape());
  check(nrow > 0 && o.padding >= 0 && o.high > o.low,
        "image_grid: need nrow > 0, padding >= 0 and high > low, got {}, {}, [{}, {}]", nrow,
        o.padding, o.low, o.high);
  const std::int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  const std::int64_t cols = std::min(nrow, n), rows = (n + nrow - 1) / nrow;
  Image grid{cols * (w + o.padding) + o.padding, rows * (h + o.padding) + o.padding, c, {}};
  grid.pixels.assign(grid.width * grid.height * c, o.pad_value);
  const std::vector<double> v = images.to_vector<double>();  // (N, C, H, W)
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t top = (i / nrow) * (h + o.padding) + o.padding;
    const std::int64_t left = (i % nrow) * (w + o.padding) + o.padding;
    for (std::int64_t ch = 0; ch < c; ++ch)
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x)
          grid.pixels[((top + y) * grid.width + left + x) * c + ch] =
              to_byte(v[((i * c + ch) * h + y) * w + x], o.low, o.high);
  }
  return grid;
}

void save_image_grid(const std::string& path, const core::Tensor& images, std::int64_t nrow,
                     const GridOptions& options) {
  save_png(path, image_grid(images, nrow, options));
}

core::Tensor interpolate_latents(const core::Tensor& start, const core::Tensor& end,
                                 std::int64_t steps) {
  check(start.dim() == 2 && start.shape() == end.shape(),
        "interpolate_latents: start {} and end {} must be (R, d) of one shape", start.shape(),
        end.shape());
  check(steps >= 2, "interpolate_latents: steps must be >= 2, got {}", steps);
  const std::int64_t r = start.size(0), d = start.size(1);
  const std::vector<double> a = start.to_vector<double>(), b = end.to_vector<double>();
  std::vector<double> out(r * steps * d);
  for (std::int64_t i = 0; i < r; ++i)
    for (std::int64_t s = 0; s < steps; ++s) {
      const double t = static_cast<double>(s) / static_cast<double>(steps - 1);
      for (std::int64_t j = 0; j < d; ++j)
        out[(i * steps + s) * d + j] = (1 - t) * a[i * d + j] + t * b[i * d + j];
    }
  return core::Tensor::from(std::span<const double>(out), {r * steps, d}).to(start.dtype());
}

Image scatter_plot(const std::vector<ScatterSeries>& series, const ScatterOptions& o) {
  check(o.size > 1 && o.x_max > o.x_min && o.y_max > o.y_min,
        "scatter_plot: need size > 1 and a non-empty window, got size {}, x [{}, {}], y [{}, {}]",
        o.size, o.x_min, o.x_max, o.y_min, o.y_max);
  Image img{o.size, o.size, 3, std::vector<std::uint8_t>(o.size * o.size * 3, 255)};
  auto put = [&](std::int64_t px, std::int64_t py, const std::array<std::uint8_t, 3>& rgb) {
    if (px < 0 || py < 0 || px >= o.size || py >= o.size) return;
    std::copy(rgb.begin(), rgb.end(), img.pixels.begin() + (py * o.size + px) * 3);
  };
  auto column = [&](double x) {
    return std::lround((x - o.x_min) / (o.x_max - o.x_min) * (o.size - 1));
  };
  auto row = [&](double y) {
    return std::lround((o.y_max - y) / (o.y_max - o.y_min) * (o.size - 1));
  };
  if (o.axes) {
    const std::array<std::uint8_t, 3> grey = {200, 200, 200};
    if (o.x_min <= 0 && 0 <= o.x_max)
      for (std::int64_t y = 0; y < o.size; ++y) put(column(0), y, grey);
    if (o.y_min <= 0 && 0 <= o.y_max)
      for (std::int64_t x = 0; x < o.size; ++x) put(x, row(0), grey);
  }
  for (const ScatterSeries& s : series) {
    check(s.points.dim() == 2 && s.points.size(1) == 2 && s.radius >= 0,
          "scatter_plot: points must be (n, 2) with radius >= 0, got {} and {}", s.points.shape(),
          s.radius);
    const std::vector<double> p = s.points.to_vector<double>();
    for (std::size_t i = 0; i + 1 < p.size(); i += 2) {
      if (!(p[i] >= o.x_min && p[i] <= o.x_max && p[i + 1] >= o.y_min && p[i + 1] <= o.y_max))
        continue;
      const std::int64_t cx = column(p[i]), cy = row(p[i + 1]);
      for (std::int64_t dy = -s.radius; dy <= s.radius; ++dy)
        for (std::int64_t dx = -s.radius; dx <= s.radius; ++dx) put(cx + dx, cy + dy, s.rgb);
    }
  }
  return img;
}

}  // namespace liandan::nn::generative
