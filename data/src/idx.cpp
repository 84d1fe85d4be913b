// IDX reader over zlib's gz* functions, which read gzip and uncompressed files alike.
#include "liandan/data/idx.hpp"

#include <zlib.h>

#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <vector>

namespace liandan::data {
namespace {

// The whole (decompressed) content of path; an Error naming it when unreadable or corrupt.
std::vector<unsigned char> read_gz(const std::string& path) {
  std::error_code ec;
  check(std::filesystem::is_regular_file(path, ec), "read_idx: '{}': no such file", path);
  gzFile file = gzopen(path.c_str(), "rb");
  check(file != nullptr, "read_idx: '{}': cannot open", path);
  std::vector<unsigned char> out;
  std::array<unsigned char, 1 << 16> chunk;
  for (;;) {
    const int n = gzread(file, chunk.data(), chunk.size());
    if (n < 0) {
      int code = 0;
      const std::string reason = gzerror(file, &code);
      gzclose(file);
      throw Error(fmt::format("read_idx: '{}': corrupt gzip data ({})", path, reason));
    }
    if (n == 0) break;
    out.insert(out.end(), chunk.data(), chunk.data() + n);
  }
  // A gzip stream cut short reads as end of file; zlib reports it as Z_BUF_ERROR.
  int code = Z_OK;
  const std::string reason = gzerror(file, &code);
  gzclose(file);
  check(code == Z_OK || code == Z_STREAM_END, "read_idx: '{}': truncated gzip data ({})", path,
        reason);
  return out;
}

template <typename T>
T load_big_endian(const unsigned char* p) {
  using U = std::conditional_t<
      sizeof(T) == 1, std::uint8_t,
      std::conditional_t<sizeof(T) == 2, std::uint16_t,
                         std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;
  U u = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) u = static_cast<U>((u << 8) | p[i]);
  T value;
  std::memcpy(&value, &u, sizeof(T));
  return value;
}

// Converts the big-endian elements of type S at p into out (n elements of type D). A floating
// element read into an integer dtype must be a whole number in its range (a NaN label would be
// undefined behaviour): an Error naming the file and the element.
template <typename S, typename D>
void convert(const unsigned char* p, std::int64_t n, D* out, double scale,
             const std::string& path) {
  for (std::int64_t i = 0; i < n; ++i) {
    const S s = load_big_endian<S>(p + i * sizeof(S));
    if constexpr (std::is_floating_point_v<D>) {
      out[i] = static_cast<D>(static_cast<double>(s) * scale);
    } else if constexpr (std::is_floating_point_v<S>) {
      const double v = static_cast<double>(s);
      // [-2^63, 2^63) for i64; the bounds are exact doubles.
      const double low = static_cast<double>(std::numeric_limits<D>::min());
      const double high = -low;
      check(std::isfinite(v) && v == std::trunc(v) && v >= low && v < high,
            "read_idx: '{}': element {} is {}, which is not a whole number that {} holds", path, i,
            v, dtype_of<D>());
      out[i] = static_cast<D>(v);
    } else {
      out[i] = static_cast<D>(s);
    }
  }
}

}  // namespace

core::Tensor read_idx(const std::string& path, DType dtype, double scale) {
  check(dtype != DType::b8, "read_idx: '{}': cannot read into bool", path);
  check(scale == 1.0 || is_floating(dtype), "read_idx: '{}': scale {} needs a floating dtype", path,
        scale);
  const std::vector<unsigned char> bytes = read_gz(path);
  check(bytes.size() >= 4, "read_idx: '{}': truncated: {} bytes, shorter than the 4-byte magic",
        path, bytes.size());
  check(bytes[0] == 0 && bytes[1] == 0,
        "read_idx: '{}': wrong magic {:02x} {:02x} {:02x} {:02x} (an IDX file starts with 00 00 "
        "<type> <dims>)",
        path, bytes[0], bytes[1], bytes[2], bytes[3]);
  const int type = bytes[2], rank = bytes[3];
  std::size_t width = 0;
  switch (type) {
    case 0x08:
    case 0x09:
      width = 1;
      break;
    case 0x0B:
      width = 2;
      break;
    case 0x0C:
    case 0x0D:
      width = 4;
      break;
    case 0x0E:
      width = 8;
      break;
    default:
      throw Error(fmt::format("read_idx: '{}': unknown element type 0x{:02x}", path, type));
  }
  check(rank >= 1 && rank <= kMaxDims, "read_idx: '{}': {} dims (supported: 1 to {})", path, rank,
        kMaxDims);
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(rank);
  check(bytes.size() >= header, "read_idx: '{}': truncated header: {} bytes, {} dims need {}", path,
        bytes.size(), rank, header);
  Shape shape;
  // The element count with checked multiplication: crafted dims must not wrap around and pass
  // the size check below.
  std::uint64_t count = 1;
  bool overflow = false;
  for (int d = 0; d < rank; ++d) {
    const std::uint32_t size = load_big_endian<std::uint32_t>(bytes.data() + 4 + 4 * d);
    shape.push_back(size);
    overflow = overflow || __builtin_mul_overflow(count, std::uint64_t{size}, &count);
  }
  std::uint64_t payload = 0;
  overflow = overflow || __builtin_mul_overflow(count, std::uint64_t{width}, &payload) ||
             payload > bytes.size();
  check(!overflow,
        "read_idx: '{}': truncated: {} bytes, but its header gives shape {} of {}-byte elements",
        path, bytes.size(), shape, width);
  const std::size_t expected = header + static_cast<std::size_t>(payload);
  check(bytes.size() >= expected,
        "read_idx: '{}': truncated: {} bytes, shape {} of {}-byte elements needs {}", path,
        bytes.size(), shape, width, expected);
  check(bytes.size() == expected, "read_idx: '{}': {} trailing bytes after shape {}", path,
        bytes.size() - expected, shape);
  core::Tensor out = core::Tensor::empty(shape, dtype);
  const unsigned char* p = bytes.data() + header;
  dispatch_numeric(dtype, "read_idx", [&]<typename D>() {
    D* o = out.data<D>();
    const std::int64_t n = shape.numel();
    switch (type) {
      case 0x08:
        convert<std::uint8_t>(p, n, o, scale, path);
        break;
      case 0x09:
        convert<std::int8_t>(p, n, o, scale, path);
        break;
      case 0x0B:
        convert<std::int16_t>(p, n, o, scale, path);
        break;
      case 0x0C:
        convert<std::int32_t>(p, n, o, scale, path);
        break;
      case 0x0D:
        convert<float>(p, n, o, scale, path);
        break;
      case 0x0E:
        convert<double>(p, n, o, scale, path);
        break;
    }
  });
  return out;
}

std::shared_ptr<TensorDataset> fashion_mnist(const FashionMnistOptions& options) {
  const std::string prefix = options.dir + (options.train ? "/train" : "/t10k");
  const std::string images_path = prefix + "-images-idx3-ubyte.gz";
  const std::string labels_path = prefix + "-labels-idx1-ubyte.gz";
  core::Tensor images = read_idx(images_path, DType::f32, 1.0 / 255);
  core::Tensor labels = read_idx(labels_path, DType::i64);
  check(images.dim() == 3, "fashion_mnist: '{}': images of shape {}, expected (N, H, W)",
        images_path, images.shape());
  check(labels.dim() == 1 && labels.size(0) == images.size(0),
        "fashion_mnist: '{}': labels of shape {} do not match {} images in '{}'", labels_path,
        labels.shape(), images.size(0), images_path);
  const std::int64_t n = images.size(0), h = images.size(1), w = images.size(2);
  images = options.flatten ? images.view({n, h * w}) : images.view({n, 1, h, w});
  return std::make_shared<TensorDataset>(
      core::NamedTensors{{"image", images}, {"label", labels}},
      fmt::format("fashion-mnist {}", options.train ? "train" : "t10k"));
}

}  // namespace liandan::data
