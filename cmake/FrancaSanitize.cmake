if(FRANCA_SANITIZE)
  foreach(flag -fsanitize=${FRANCA_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    # nvcc does not take these: host code of .cu files stays uninstrumented.
    add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:${flag}>)
    add_link_options(${flag})
  endforeach()
  message(STATUS "franca: sanitizers ${FRANCA_SANITIZE}")
endif()

if(FRANCA_SANITIZE MATCHES "thread")
  # ThreadSanitizer does not see the synchronisation inside OpenMP's runtime and would report every
  # parallel loop. LLVM's libomp, with its OpenMP tool libarcher linked in, tells it of barriers and
  # tasks; libomp itself is not instrumented, so runs set TSAN_OPTIONS=ignore_noninstrumented_modules=1.
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang" OR NOT OpenMP_omp_LIBRARY)
    message(FATAL_ERROR "FRANCA_SANITIZE=thread needs clang and LLVM's libomp (CC=clang CXX=clang++)")
  endif()
  get_filename_component(franca_omp_dir "${OpenMP_omp_LIBRARY}" DIRECTORY)
  find_library(FRANCA_ARCHER_LIBRARY archer HINTS "${franca_omp_dir}" NO_DEFAULT_PATH)
  if(NOT FRANCA_ARCHER_LIBRARY)
    message(FATAL_ERROR "FRANCA_SANITIZE=thread: libarcher.so not found beside ${OpenMP_omp_LIBRARY} "
                        "(Debian: libomp-14-dev)")
  endif()
  link_libraries(${FRANCA_ARCHER_LIBRARY})
endif()
