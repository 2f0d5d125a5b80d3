if(FRANCA_SANITIZE)
  foreach(flag -fsanitize=${FRANCA_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    # nvcc does not take these: host code of .cu files stays uninstrumented.
    add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:${flag}>)
    add_link_options(${flag})
  endforeach()
  message(STATUS "franca: sanitizers ${FRANCA_SANITIZE}")
endif()
