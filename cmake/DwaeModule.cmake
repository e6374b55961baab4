# Helpers that give every target of our own the same warnings and sanitizers.

set(DWAE_WARNINGS
    -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor
    -Woverloaded-virtual -Wcast-align -Wformat=2 -Wimplicit-fallthrough
    -Wdouble-promotion)

function(dwae_target_defaults target)
  target_compile_options(${target} PRIVATE ${DWAE_WARNINGS})
  if(DWAE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${DWAE_SANITIZE} -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${DWAE_SANITIZE})
  endif()
  if(DWAE_FUZZ)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# dwae_module(<name> DEPS ...): library target dwae_<name> from every .cpp in the calling
# directory; headers are included as "dwae/<name>/x.h" from src/.
function(dwae_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(dwae_${name} STATIC ${sources})
  target_include_directories(dwae_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(dwae_${name} PUBLIC ${ARG_DEPS})
  dwae_target_defaults(dwae_${name})
endfunction()

# dwae_test(<name> DEPS ...): one GoogleTest executable from every *_test.cpp in the calling
# directory; ctest discovers each test case.
function(dwae_test name)
  cmake_parse_arguments(ARG "" "" "DEPS;LABELS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} dwae_test_support GTest::gmock GTest::gtest_main)
  dwae_target_defaults(${name})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
endfunction()
