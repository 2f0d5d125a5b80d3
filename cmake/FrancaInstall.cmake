include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS franca EXPORT francaTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/franca DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/include/franca/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/franca)
install(EXPORT francaTargets NAMESPACE franca:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/franca)

configure_package_config_file(cmake/francaConfig.cmake.in
  ${PROJECT_BINARY_DIR}/francaConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/franca)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/francaConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/francaConfig.cmake ${PROJECT_BINARY_DIR}/francaConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/franca)

# A relocatable .pc: the prefix is found from the file's own place.
file(RELATIVE_PATH FRANCA_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
configure_file(cmake/franca.pc.in ${PROJECT_BINARY_DIR}/franca.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/franca.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The Python package (`pip install .`, pyproject.toml): scikit-build-core installs only this
# component, into the wheel's site-packages root, so the library lands beside franca/__init__.py,
# where franca/_lib.py looks first. One plain file named libfranca.so (a wheel keeps no symlinks;
# ctypes opens it by path, its SONAME does not matter); install(FILES) keeps the build's RUNPATH, so
# a CUDA build still finds cuBLAS and cuSPARSE in the toolkit it was linked with. EXCLUDE_FROM_ALL:
# a plain `cmake --install` leaves it out.
install(FILES $<TARGET_FILE:franca> DESTINATION franca RENAME ${CMAKE_SHARED_LIBRARY_PREFIX}franca${CMAKE_SHARED_LIBRARY_SUFFIX}
  COMPONENT python EXCLUDE_FROM_ALL)
