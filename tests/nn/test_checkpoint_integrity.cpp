// nn checkpoints against damage (Note [Checkpoint integrity]): the checksum header, changed
// and flipped bytes, truncation, files without a checksum parsed in a child, and a full disk.
#include <doctest/doctest.h>
#include <hdf5.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include "liandan/autograd/autograd.hpp"
#include "liandan/core/random.hpp"
#include "liandan/nn/checkpoint.hpp"

using namespace liandan;
namespace fs = std::filesystem;

namespace {

// A fresh directory for one test, removed with everything in it.
struct TempDir {
  fs::path path;
  TempDir() {
    static int count = 0;
    path = fs::temp_directory_path() /
           fmt::format("liandan_test_integrity_{}_{}", ::getpid(), count++);
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The message of the Error f throws ("" if none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

bool identical(const core::Tensor& a, const core::Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         (a.numel() == 0 || std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(),
                                        a.numel() * element_size(a.dtype())) == 0);
}

bool identical(const nn::Checkpoint& a, const nn::Checkpoint& b) {
  if (a.tensors.names() != b.tensors.names() || a.metadata != b.metadata) return false;
  for (const auto& [name, t] : a.tensors)
    if (!identical(t, b.tensors[name])) return false;
  return true;
}

// A small training checkpoint: weights, an optimizer-like step, and the run's metadata.
core::NamedTensors sample_tensors() {
  core::manual_seed(7);
  return {{"model.0.weight", randn({8, 4}).data()},
          {"model.0.bias", randn({8}).data()},
          {"optimizer.step", scalar(20, {.dtype = DType::i64}).data()},
          {"mask", tensor<bool>({true, false, true}, {3}).data()}};
}
const nn::Metadata sample_metadata = {{"step", "20"}, {"format", "liandan-run-1"}};

// The file the writer before checksums made (it is what old runs hold): no header, metadata as
// variable-length strings in HDF5's global heap.
void write_legacy(const std::string& path, const core::NamedTensors& tensors,
                  const nn::Metadata& metadata) {
  const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  REQUIRE(file >= 0);
  for (const auto& [name, t] : tensors) {
    const hid_t memory = t.dtype() == DType::f32   ? H5T_NATIVE_FLOAT
                         : t.dtype() == DType::i64 ? H5T_NATIVE_INT64
                                                   : H5T_NATIVE_UINT8;
    std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
    const hid_t space =
        t.dim() == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(t.dim(), dims.data(), nullptr);
    const hid_t ds =
        H5Dcreate2(file, name.c_str(), memory, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.contiguous().raw_data());
    H5Dclose(ds);
    H5Sclose(space);
  }
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  for (const auto& [key, value] : metadata) {
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t attr = H5Acreate2(file, key.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
    const char* p = value.c_str();
    H5Awrite(attr, type, &p);
    H5Aclose(attr);
    H5Sclose(space);
  }
  H5Tclose(type);
  H5Fclose(file);
  H5Pclose(fcpl);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A load of a damaged file: an Error naming the path within a second, or (only where noted)
// the original contents. Returns the error ("" when it loaded).
std::string load_damaged(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  const std::string error = error_of([&] { nn::load(path); });
  CHECK_MESSAGE(seconds_since(start) < 1.0, error);
  if (!error.empty()) CHECK_MESSAGE(starts_with(error, fmt::format("load: '{}': ", path)), error);
  return error;
}

}  // namespace

TEST_CASE("nn::save: the file starts with liandan's checksum header; h5py-style readers skip it") {
  TempDir dir;
  const std::string path = dir.file("ck.h5");
  nn::save(path, sample_tensors(), sample_metadata);
  const std::string bytes = read_bytes(path);
  REQUIRE(bytes.size() > 512);
  CHECK(bytes.substr(0, 8) == "\x89LDCKPT\n");
  CHECK(bytes.substr(512, 8) == "\x89HDF\r\n\x1a\n");  // the superblock after the user block
  // Plain HDF5 opens it and sees the datasets and fixed-length string metadata.
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  CHECK(H5Lexists(f, "model.0.weight", H5P_DEFAULT) > 0);
  const hid_t attr = H5Aopen(f, "format", H5P_DEFAULT);
  const hid_t type = H5Aget_type(attr);
  CHECK(H5Tis_variable_str(type) == 0);
  H5Tclose(type);
  H5Aclose(attr);
  H5Fclose(f);
  const nn::Checkpoint loaded = nn::load(path);
  CHECK(loaded.verified);
  CHECK(identical(loaded, nn::Checkpoint{sample_tensors(), sample_metadata, true}));
}

TEST_CASE("nn::load: a changed size byte before the 'liandan-run-1' string is a clear error") {
  TempDir dir;
  // The case from issue 22 in the old format: the global heap object's size, 8 bytes before
  // the string, set to 0xff made HDF5 1.10 segfault in H5HG_read. Now HDF5 parses such a file
  // (no checksum) in a child first.
  const std::string legacy = dir.file("legacy.h5");
  write_legacy(legacy, sample_tensors(), sample_metadata);
  REQUIRE(nn::load(legacy).metadata.at("format") == "liandan-run-1");
  const std::string original = read_bytes(legacy);
  const std::size_t at = original.find("liandan-run-1");
  REQUIRE(at != std::string::npos);
  for (const std::size_t back : {8, 7, 6, 5}) {
    CAPTURE(back);
    std::string bytes = original;
    bytes[at - back] = '\xff';
    write_bytes(legacy, bytes);
    const std::string error = load_damaged(legacy);
    CHECK_MESSAGE(!error.empty(), "a damaged size loaded");
  }
  // In a checksummed file every byte before the string is covered.
  const std::string path = dir.file("ck.h5");
  nn::save(path, sample_tensors(), sample_metadata);
  const std::string saved = read_bytes(path);
  const std::size_t s = saved.find("liandan-run-1");
  REQUIRE(s != std::string::npos);
  for (std::size_t back = 1; back <= 16; ++back) {
    std::string bytes = saved;
    bytes[s - back] = static_cast<char>(bytes[s - back] ^ 0x5a);
    write_bytes(path, bytes);
    CHECK(contains(load_damaged(path), "checksum mismatch"));
  }
}

TEST_CASE("nn::load: a flipped bit in a weight is a checksum error naming both CRCs") {
  TempDir dir;
  const std::string path = dir.file("ck.h5");
  const core::NamedTensors tensors = sample_tensors();
  nn::save(path, tensors, sample_metadata);
  std::string bytes = read_bytes(path);
  const core::Tensor& w = tensors["model.0.weight"];
  const std::string raw(static_cast<const char*>(w.raw_data()), w.numel() * sizeof(float));
  const std::size_t at = bytes.find(raw);
  REQUIRE(at != std::string::npos);
  bytes[at + 37] = static_cast<char>(bytes[at + 37] ^ 0x04);  // one bit of one weight
  write_bytes(path, bytes);
  const std::string error = load_damaged(path);
  std::smatch m;
  REQUIRE_MESSAGE(
      std::regex_search(error, m,
                        std::regex("checksum mismatch: the header says CRC-32 "
                                   "([0-9a-f]{8}), the file's bytes give ([0-9a-f]{8})")),
      error);
  CHECK(m[1] != m[2]);
  CHECK(contains(error, "the file is damaged"));
}

TEST_CASE("nn::load: 200 random single-byte changes each give a clear error or the same contents") {
  TempDir dir;
  const std::string path = dir.file("ck.h5");
  nn::save(path, sample_tensors(), sample_metadata);
  const nn::Checkpoint original = nn::load(path);
  const std::string saved = read_bytes(path);
  std::mt19937 rng(22);
  std::uniform_int_distribution<std::size_t> where(0, saved.size() - 1);
  std::uniform_int_distribution<int> change(1, 255);
  int loaded = 0;
  for (int i = 0; i < 200; ++i) {
    // Every 10th change hits the magic, the only bytes outside the checksum.
    const std::size_t at = i % 10 == 0 ? static_cast<std::size_t>(i / 10) % 8 : where(rng);
    std::string bytes = saved;
    bytes[at] = static_cast<char>(bytes[at] ^ change(rng));
    write_bytes(path, bytes);
    CAPTURE(at);
    const std::string error = load_damaged(path);
    if (error.empty()) {
      // Without the magic the file is one without a checksum: parsed in a child, then loaded.
      ++loaded;
      CHECK(at < 8);
      const nn::Checkpoint c = nn::load(path);
      CHECK(!c.verified);
      CHECK(identical(c, original));
    }
  }
  CHECK(loaded == 20);
}

TEST_CASE("nn::load: 200 random single-byte changes to a file without checksum never crash") {
  // Nothing can tell a changed weight here (the reason for checksums); what holds is that
  // HDF5, parsing in a child, never takes the process down or hangs it.
  TempDir dir;
  const std::string path = dir.file("legacy.h5");
  write_legacy(path, sample_tensors(), sample_metadata);
  const std::string saved = read_bytes(path);
  std::mt19937 rng(17);
  std::uniform_int_distribution<std::size_t> where(0, saved.size() - 1);
  std::uniform_int_distribution<int> change(1, 255);
  for (int i = 0; i < 200; ++i) {
    std::string bytes = saved;
    const std::size_t at = where(rng);
    bytes[at] = static_cast<char>(bytes[at] ^ change(rng));
    write_bytes(path, bytes);
    CAPTURE(at);
    load_damaged(path);
  }
}

TEST_CASE("nn::load: a truncated checkpoint says so, at any length") {
  TempDir dir;
  const std::string path = dir.file("ck.h5");
  nn::save(path, sample_tensors(), sample_metadata);
  const std::string saved = read_bytes(path);
  for (const std::size_t n :
       {std::size_t{0}, std::size_t{7}, std::size_t{8}, std::size_t{300}, std::size_t{512},
        std::size_t{520}, saved.size() / 2, saved.size() - 1}) {
    CAPTURE(n);
    write_bytes(path, saved.substr(0, n));
    const std::string error = load_damaged(path);
    CHECK_MESSAGE((contains(error, "truncated") || contains(error, "not an HDF5 file")), error);
    if (n >= 8) CHECK_MESSAGE(contains(error, "truncated"), error);
  }
  // Bytes appended are an error too (the size is in the header).
  write_bytes(path, saved + "extra");
  CHECK(contains(load_damaged(path),
                 fmt::format("wrong size: its header says {} bytes, the file has {}", saved.size(),
                             saved.size() + 5)));
}

TEST_CASE("nn::load: a file without checksum loads unverified, like the committed old run") {
  const nn::Checkpoint old =
      nn::load(std::string(LIANDAN_FIXTURE_DIR) + "/spiral_step20_before_named_tensors.h5");
  CHECK(!old.verified);
  CHECK(old.metadata.at("format") == "liandan-run-1");
  CHECK(old.tensors.contains("trainer.step"));
  // Saving it again adds the header.
  TempDir dir;
  const std::string path = dir.file("resaved.h5");
  nn::save(path, old.tensors, old.metadata);
  const nn::Checkpoint again = nn::load(path);
  CHECK(again.verified);
  CHECK(identical(again, nn::Checkpoint{old.tensors, old.metadata, true}));
}

namespace {

// A tmpfs of `kib` KiB mounted at dir (needs root and permission to mount; false otherwise).
struct SmallDisk {
  std::string dir;
  bool mounted = false;
  SmallDisk(const std::string& at, int kib) : dir(at) {
    fs::create_directories(dir);
    mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, fmt::format("size={}k", kib).c_str()) == 0;
    if (!mounted) MESSAGE("skipped: cannot mount a tmpfs at ", dir, ": ", std::strerror(errno));
  }
  ~SmallDisk() {
    if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
  }
};

core::NamedTensors of_kib(int kib) {
  return {{"w", zeros({kib * 256}).data()}, {"step", scalar(1, {.dtype = DType::i64}).data()}};
}

}  // namespace

TEST_CASE("nn::save: a full disk is a clear error; the previous checkpoint and exit stay clean") {
  TempDir dir;
  const SmallDisk disk(dir.file("disk"), 256);
  if (!disk.mounted) return;
  const std::string path = disk.dir + "/ck.h5";
  nn::save(path, of_kib(40), {{"step", "1"}});
  const nn::Checkpoint before = nn::load(path);

  const std::string error = error_of([&] { nn::save(path, of_kib(400), {{"step", "2"}}); });
  CHECK(starts_with(error, fmt::format("save: '{}': cannot write '{}.tmp-", path, path)));
  CHECK_MESSAGE(contains(error, "No space left on device"), error);
  CHECK(identical(nn::load(path), before));
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(disk.dir)) files.push_back(e.path().string());
  CHECK(files == std::vector<std::string>{path});

  // Whatever the disk's fill level when the write fails, the process exits normally (HDF5's
  // atexit shutdown once crashed on a file whose close had failed: exit 139).
  for (int kib = 150; kib <= 330; kib += 30) {
    CAPTURE(kib);
    // Made before the fork: a forked child must not start OpenMP work (the parent's thread
    // pool is not there), and nn::save of contiguous tensors starts none.
    const core::NamedTensors tensors = of_kib(kib);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 0;
      try {
        nn::save(disk.dir + "/other.h5", tensors);
      } catch (const Error&) {
        code = 3;
      }
      std::exit(code);  // runs the atexit handlers, HDF5's among them
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK_MESSAGE(WIFEXITED(status), "killed by signal ", WTERMSIG(status));
    CHECK((WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3));
    std::error_code ignored;
    fs::remove(disk.dir + "/other.h5", ignored);
  }
  CHECK(identical(nn::load(path), before));
}
