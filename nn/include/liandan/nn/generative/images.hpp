// Pictures of what a generative model does: PNG files (libpng), image grids as
// torchvision.utils.make_grid, latent interpolation grids, and 2-D scatter plots drawn by a
// small rasteriser.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "liandan/core/tensor.hpp"

namespace liandan::nn::generative {

// 8-bit pixels, row-major, channels interleaved (1: grey, 3: RGB).
struct Image {
  std::int64_t width = 0, height = 0, channels = 1;
  std::vector<std::uint8_t> pixels;  // height * width * channels
};

// Writes an 8-bit grey or RGB PNG; an error naming the path if it cannot.
void save_png(const std::string& path, const Image& image);
// Reads an 8-bit grey or RGB PNG written by save_png (tests, round trips).
Image load_png(const std::string& path);

struct GridOptions {
  std::int64_t padding = 2;  // pixels between and around the images
  double low = 0, high = 1;  // the value range mapped to 0..255 (values outside are clamped)
  std::uint8_t pad_value = 0;
};

// images (N, C, H, W), C 1 or 3, any floating dtype -> one image of ceil(N / nrow) rows of
// nrow images each.
Image image_grid(const core::Tensor& images, std::int64_t nrow, const GridOptions& options = {});
void save_image_grid(const std::string& path, const core::Tensor& images, std::int64_t nrow,
                     const GridOptions& options = {});

// Rows r of start and end (R, d) give R rows of `steps` codes from start[r] to end[r]
// (linear, both ends included): (R * steps, d), ready for a decoder and image_grid(nrow = steps).
core::Tensor interpolate_latents(const core::Tensor& start, const core::Tensor& end,
                                 std::int64_t steps);

struct ScatterSeries {
  core::Tensor points;  // (n, 2)
  std::array<std::uint8_t, 3> rgb = {31, 119, 180};
  int radius = 1;  // a filled square of side 2 radius + 1 pixels per point
};

struct ScatterOptions {
  double x_min = -3, x_max = 3, y_min = -3, y_max = 3;
  std::int64_t size = 512;  // width = height in pixels; y grows upwards
  bool axes = true;         // grey lines through x = 0 and y = 0
};

// Later series draw over earlier ones; points outside the window are dropped. RGB, white ground.
Image scatter_plot(const std::vector<ScatterSeries>& series, const ScatterOptions& options = {});

}  // namespace liandan::nn::generative
