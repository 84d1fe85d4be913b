# Shared compile settings for every liandan target.
add_library(liandan_options INTERFACE)
target_compile_options(liandan_options INTERFACE
  -Wall -Wextra -Wno-unknown-pragmas
  # Our kernels never read errno or rely on FP traps; this lets sqrt and friends vectorize.
  -fno-math-errno -fno-trapping-math)
if(LIANDAN_NATIVE)
  target_compile_options(liandan_options INTERFACE -march=native)
endif()
if(LIANDAN_SANITIZE)
  target_compile_options(liandan_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(liandan_options INTERFACE -fsanitize=address,undefined)
endif()
target_link_libraries(liandan_options INTERFACE OpenMP::OpenMP_CXX)

# liandan_library(NAME folder DEPS ...): one CMake target per top-level folder, liandan::NAME.
# A folder with no sources yet is an INTERFACE target, so the shape of the project is visible.
function(liandan_library name)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  if(sources)
    add_library(liandan_${name} STATIC ${sources})
    target_include_directories(liandan_${name}
      PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
      PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(liandan_${name} PUBLIC ${ARG_DEPS} PRIVATE liandan_options ${ARG_PRIVATE_DEPS})
    target_link_libraries(liandan_${name} INTERFACE liandan_options)
  else()
    add_library(liandan_${name} INTERFACE)
    target_include_directories(liandan_${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(liandan_${name} INTERFACE ${ARG_DEPS})
  endif()
  add_library(liandan::${name} ALIAS liandan_${name})
endfunction()
