// Keeps README code blocks honest: a test file holds a README block verbatim between
// "// ---- begin README block" and "// ---- end README block", compiles and runs it, and
// check_readme_block() checks the two texts are still the same.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace liandan::test {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The body of the first ```cpp block after heading, up to its closing fence.
inline std::string code_block_after(const std::string& markdown, const std::string& heading) {
  const std::size_t at = markdown.find(heading);
  REQUIRE_MESSAGE(at != std::string::npos, "no heading " << heading);
  const std::string fence = "```cpp\n";
  const std::size_t begin = markdown.find(fence, at);
  REQUIRE(begin != std::string::npos);
  const std::size_t end = markdown.find("\n```\n", begin + fence.size());
  REQUIRE(end != std::string::npos);
  return markdown.substr(begin + fence.size(), end + 1 - begin - fence.size());
}

// The README block after heading equals the marked part of test_file (relative to the root).
inline void check_readme_block(const std::string& heading, const std::string& test_file) {
  const std::string root = std::string(LIANDAN_FIXTURE_DIR) + "/../../";
  const std::string block = code_block_after(read_text(root + "README.md"), heading);
  const std::string source = read_text(root + test_file);
  const std::string begin = "// ---- begin README block\n", end = "// ---- end README block\n";
  const std::size_t b = source.find(begin), e = source.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  CHECK(source.substr(b + begin.size(), e - b - begin.size()) == block);
}

}  // namespace liandan::test
