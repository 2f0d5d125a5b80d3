# Every dependency is a Debian package (or the same files staged under FRANCA_DEPS_ROOT).
# spdlog and fmt are used header-only so that libfranca.so needs nothing of theirs at run time.
if(FRANCA_DEPS_ROOT)
  list(PREPEND CMAKE_PREFIX_PATH "${FRANCA_DEPS_ROOT}/usr")
endif()

function(franca_find_header var header package)
  find_path(${var} NAMES ${header} HINTS ${FRANCA_DEPS_ROOT}/usr/include)
  if(NOT ${var})
    message(FATAL_ERROR "franca: ${header} not found; install the Debian package ${package} "
                        "(or stage it under FRANCA_DEPS_ROOT with tests/gpu/stage-deps.sh)")
  endif()
endfunction()

franca_find_header(FRANCA_DLPACK_INCLUDE dlpack/dlpack.h libdlpack-dev)
franca_find_header(FRANCA_SPDLOG_INCLUDE spdlog/spdlog.h libspdlog-dev)
franca_find_header(FRANCA_FMT_INCLUDE fmt/format.h libfmt-dev)
franca_find_header(FRANCA_JSON_INCLUDE nlohmann/json.hpp nlohmann-json3-dev)

# Public consumers only need DLPack's header; the others stay private to the library.
add_library(franca_private_deps INTERFACE)
target_include_directories(franca_private_deps SYSTEM INTERFACE
  ${FRANCA_SPDLOG_INCLUDE} ${FRANCA_FMT_INCLUDE} ${FRANCA_JSON_INCLUDE} ${FRANCA_DLPACK_INCLUDE})
target_compile_definitions(franca_private_deps INTERFACE
  SPDLOG_HEADER_ONLY SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY)

find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(Threads REQUIRED)
