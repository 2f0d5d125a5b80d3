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
