# Install rules and the CMake package: one export set per component, so that
#   find_package(hdrgpu COMPONENTS core)   loads hdrgpu::core and needs no image library, and
#   find_package(hdrgpu)                   loads core, io, pipeline and the umbrella hdrgpu::hdrgpu.
include(CMakePackageConfigHelpers)
set(HDRGPU_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hdrgpu)
if(HDRGPU_CUDA_EMULATED)
  message(WARNING "hdrgpu: this build runs its CUDA backend on the CPU emulator (tests only): do not ship it")
endif()

set(_components core)
if(HDRGPU_BUILD_IO)
  list(APPEND _components io pipeline)
endif()
foreach(component IN LISTS _components)
  install(TARGETS hdrgpu_${component} EXPORT hdrgpu-${component}-targets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(EXPORT hdrgpu-${component}-targets NAMESPACE hdrgpu:: DESTINATION ${HDRGPU_CMAKE_DIR})
endforeach()
if(HDRGPU_BUILD_IO)
  install(TARGETS hdrgpu EXPORT hdrgpu-targets)
  install(EXPORT hdrgpu-targets NAMESPACE hdrgpu:: DESTINATION ${HDRGPU_CMAKE_DIR})
endif()
if(HDRGPU_BUILD_CLI)
  install(TARGETS hdrgpu_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY include/hdrgpu DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/include/hdrgpu/config.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hdrgpu)

# What the package config needs to know about this build.
get_target_property(HDRGPU_CORE_TYPE hdrgpu_core TYPE)
set(HDRGPU_STATIC_01 0)
if(HDRGPU_CORE_TYPE STREQUAL "STATIC_LIBRARY")
  set(HDRGPU_STATIC_01 1)
endif()
set(HDRGPU_NVCC_01 0)
if(HDRGPU_HAS_CUDA AND NOT HDRGPU_CUDA_EMULATED)
  set(HDRGPU_NVCC_01 1)
endif()
string(REPLACE ";" " " HDRGPU_COMPONENTS_TEXT "${_components}")
configure_package_config_file(cmake/hdrgpuConfig.cmake.in ${PROJECT_BINARY_DIR}/hdrgpuConfig.cmake
                              INSTALL_DESTINATION ${HDRGPU_CMAKE_DIR})
# 0.x: minor versions may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hdrgpuConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hdrgpuConfig.cmake ${PROJECT_BINARY_DIR}/hdrgpuConfigVersion.cmake
        DESTINATION ${HDRGPU_CMAKE_DIR})
