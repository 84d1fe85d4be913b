# Note [Build]: every target compiles for the portable x86-64 baseline; our kernels pick their
# instruction set at run time (Note [CPU dispatch] in core/include/liandan/core/cpu.hpp) and
# oneDNN picks its own. What a program that links liandan inherits is only C++20, OpenMP and
# the include directories: warnings, math flags and sanitizers stay ours (liandan_options is
# linked PRIVATE and never exported).
include(GNUInstallDirs)

add_library(liandan_options INTERFACE)
target_compile_options(liandan_options INTERFACE
  -Wall -Wextra -Wno-unknown-pragmas
  # Our kernels never read errno or rely on FP traps; this lets sqrt and friends vectorize.
  -fno-math-errno -fno-trapping-math)
if(LIANDAN_SANITIZE)
  # LIANDAN_SANITIZE also compiles each kernel body once (generic) instead of once per ISA
  # level: instrumenting three flattened copies made the build several times slower.
  target_compile_definitions(liandan_options INTERFACE LIANDAN_SANITIZE)
  target_compile_options(liandan_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(liandan_options INTERFACE -fsanitize=address,undefined)
endif()
if(LIANDAN_FUZZ)
  # Coverage for libFuzzer in every library; the harnesses link -fsanitize=fuzzer (fuzz/).
  # clang does not carry gnu::target into the templates our AVX-512 kernels instantiate, so the
  # fuzz build is compiled for AVX-512 as a whole (every machine of ours has it; Note [Build]).
  target_compile_options(liandan_options INTERFACE -fsanitize=fuzzer-no-link -march=x86-64-v4)
endif()

# liandan_library(NAME DEPS ... PRIVATE_DEPS ...): the library of one top-level folder,
# liandan::NAME (installed as libliandan_NAME.a with the headers of NAME/include).
function(liandan_library name)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  add_library(liandan_${name} STATIC ${sources})
  set_target_properties(liandan_${name} PROPERTIES EXPORT_NAME ${name})
  target_include_directories(liandan_${name}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_features(liandan_${name} PUBLIC cxx_std_20)
  target_link_libraries(liandan_${name}
    PUBLIC ${ARG_DEPS} OpenMP::OpenMP_CXX
    PRIVATE $<BUILD_INTERFACE:liandan_options> ${ARG_PRIVATE_DEPS})
  add_library(liandan::${name} ALIAS liandan_${name})
  install(TARGETS liandan_${name} EXPORT liandanTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()
