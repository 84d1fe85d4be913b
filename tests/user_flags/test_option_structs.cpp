// Note [Option structs]: GCC 12.2 miscompiles the copy of a partly constant aggregate of 32 bytes
// or more into an argument slot when it tunes for Skylake-AVX512 or Ice Lake server
// (-march=skylake-avx512, icelake-server, or -march=native on such a CPU; the avx256
// store-by-pieces tuning): `nn::Conv2d c(2, 3, 3, {.dtype = DType::f64})` arrived with
// padding (1, 1). The library cannot choose its users' flags, so no public function takes an
// options struct by value: they take `const Options&`, and a reference argument is not copied
// (tests/user_flags/check_option_params.sh keeps it so). Here option_cases.cpp, compiled with
// such user flags, must describe the same objects as its twin compiled with ours.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

namespace library_flags {
std::vector<std::pair<std::string, std::string>> option_cases();
}
namespace user_flags {
std::vector<std::pair<std::string, std::string>> option_cases();
}

TEST_CASE("options structs: built by code compiled with a user's -march/-mtune, as by ours") {
  const auto expected = library_flags::option_cases();
  const auto got = user_flags::option_cases();
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(expected[i].first);
    CHECK(got[i].second == expected[i].second);
  }
}
