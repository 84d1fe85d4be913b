# `cmake --install` puts the headers, the static libraries, the liandan CLI, a relocatable CMake
# package (find_package(liandan) -> liandan::liandan and liandan::core, ::autograd, ::nn, ::optim,
# ::data, ::experiments) and a pkg-config file (liandan.pc) under CMAKE_INSTALL_PREFIX.
include(CMakePackageConfigHelpers)

install(TARGETS liandan_all EXPORT liandanTargets)
install(EXPORT liandanTargets NAMESPACE liandan:: FILE liandanTargets.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/liandan)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/liandanConfig.cmake.in
  ${PROJECT_BINARY_DIR}/liandanConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/liandan)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/liandanConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/liandanConfig.cmake ${PROJECT_BINARY_DIR}/liandanConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/liandan)

# pkg-config: the libraries in link order, then what they need from Debian's packages. The
# prefix is found from the .pc file's own place, so the installed tree can be moved.
file(RELATIVE_PATH LIANDAN_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/liandan.pc.in ${PROJECT_BINARY_DIR}/liandan.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/liandan.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
