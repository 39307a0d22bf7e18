# hdrgpu's CMake options for this port, from its FEATURES. Shared by portfile.cmake and by the package test
# that configures hdrgpu exactly this way (tests/package/run_package_test.cmake, MODE=vcpkg).
set(HDRGPU_PORT_OPTIONS -DHDRGPU_BUILD_TESTS=OFF -DHDRGPU_BUILD_BENCH=OFF -DHDRGPU_BUILD_PYTHON=OFF
                        -DHDRGPU_INSTALL=ON)
if("cuda" IN_LIST FEATURES)
  list(APPEND HDRGPU_PORT_OPTIONS -DHDRGPU_ENABLE_CUDA=ON)
else()
  list(APPEND HDRGPU_PORT_OPTIONS -DHDRGPU_ENABLE_CUDA=OFF)
endif()
if("tools" IN_LIST FEATURES)
  list(APPEND HDRGPU_PORT_OPTIONS -DHDRGPU_BUILD_CLI=ON)
else()
  list(APPEND HDRGPU_PORT_OPTIONS -DHDRGPU_BUILD_CLI=OFF)
endif()
