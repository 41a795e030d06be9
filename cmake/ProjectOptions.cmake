# SPDX-License-Identifier: Apache-2.0
option(FIXGATE_WERROR "Treat warnings in fixgate's own code as errors" ON)
option(FIXGATE_SANITIZE "Build with AddressSanitizer and UBSan" OFF)
option(FIXGATE_BUILD_TESTS "Build the test suite" ON)
option(FIXGATE_BUILD_BENCH "Build micro-benchmarks (Google Benchmark)" ON)

add_library(fixgate_options INTERFACE)
target_compile_features(fixgate_options INTERFACE cxx_std_23)
# No build machine path in a program: __FILE__ in inlined library code and the debug info name
# files relative to the source and build trees (tests/system/install_test.py checks the binaries).
target_compile_options(fixgate_options INTERFACE
  -ffile-prefix-map=${PROJECT_SOURCE_DIR}/= -ffile-prefix-map=${PROJECT_BINARY_DIR}/=build/)
if(FIXGATE_SANITIZE)
  target_compile_options(fixgate_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(fixgate_options INTERFACE -fsanitize=address,undefined)
endif()
add_library(fixgate::options ALIAS fixgate_options)

# One helper so every component target is declared the same way: fixgate::<name>, our headers,
# options and warnings attached, dependencies passed through.
function(fixgate_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(fixgate_${name} STATIC ${ARG_SOURCES})
  add_library(fixgate::${name} ALIAS fixgate_${name})
  target_include_directories(fixgate_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(fixgate_${name}
    PUBLIC fixgate::options ${ARG_PUBLIC_DEPS}
    PRIVATE fixgate::warnings ${ARG_PRIVATE_DEPS})
endfunction()

# A Catch2 test executable registered with CTest under one or more labels.
function(fixgate_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE fixgate_catch_main fixgate_test_warnings ${ARG_DEPS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 300
    ENVIRONMENT "FIXGATE_SOURCE_DIR=${PROJECT_SOURCE_DIR};FIXGATE_BUILD_DIR=${PROJECT_BINARY_DIR}")
endfunction()
