# One entry of the package test matrix (tests/CMakeLists.txt registers them, label `package`):
#   MODE=installed   install this build (BINARY_DIR) into a prefix, then build and run the consumers
#   MODE=build       configure, build and install hdrgpu from SOURCE_DIR with ARGS ("a|b|c"), same consumers
#   MODE=vcpkg       the vcpkg port's exact configuration (packaging/vcpkg/ports/hdrgpu/port-options.cmake
#                    with FEATURES=ARGS, Release, LINKAGE=static or dynamic as vcpkg's triplets pass it),
#                    then a consumer made of the port's `usage` text
#   MODE=embed       the parent project tests/package/embed with HOW=add_subdirectory or HOW=fetchcontent
# The consumers: consumer/ (find_package(hdrgpu), every component) and core_consumer/ (COMPONENTS core,
# which must pull in no image library). Invoked with -DSOURCE_DIR -DBINARY_DIR -DWORK_DIR -DGENERATOR -DMODE
# [-DARGS] [-DEXTRA] [-DHOW] [-DLINKAGE]; lists in ARGS and EXTRA are separated by "|".
cmake_minimum_required(VERSION 3.25)  # script mode: today's policies (if(IN_LIST) in port-options.cmake)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
set(here "${SOURCE_DIR}/tests/package")

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
endfunction()

# Configures, builds and runs project `src` (executable `exe`) against the prefix.
function(consume src exe)
  get_filename_component(name "${src}" NAME)
  run(${CMAKE_COMMAND} -S "${src}" -B "${WORK_DIR}/${name}" -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}"
      -DCMAKE_BUILD_TYPE=Release ${ARGN})
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/${name}")
  run("${WORK_DIR}/${name}/${exe}" "${WORK_DIR}")
endfunction()

function(check_install)
  foreach(f include/hdrgpu/hdrgpu.hpp include/hdrgpu/config.hpp)
    if(NOT EXISTS "${prefix}/${f}")
      message(FATAL_ERROR "install is missing ${f}")
    endif()
  endforeach()
  file(GLOB_RECURSE configs "${prefix}/*/hdrgpuConfig.cmake")
  if(NOT configs)
    message(FATAL_ERROR "install has no hdrgpuConfig.cmake")
  endif()
endfunction()

# Builds and installs hdrgpu from source with the given cache arguments.
function(build_and_install)
  run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/hdrgpu" -G "${GENERATOR}" ${ARGN})
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/hdrgpu")
  run(${CMAKE_COMMAND} --install "${WORK_DIR}/hdrgpu" --prefix "${prefix}")
endfunction()

string(REPLACE "|" ";" ARGS "${ARGS}")
string(REPLACE "|" ";" EXTRA "${EXTRA}")
if(MODE STREQUAL "installed")
  run(${CMAKE_COMMAND} --install "${BINARY_DIR}" --prefix "${prefix}")
elseif(MODE STREQUAL "build")
  build_and_install(-DCMAKE_BUILD_TYPE=Release -DHDRGPU_BUILD_TESTS=OFF -DHDRGPU_BUILD_CLI=OFF ${ARGS})
elseif(MODE STREQUAL "vcpkg")
  set(port "${SOURCE_DIR}/packaging/vcpkg/ports/hdrgpu")
  set(FEATURES ${ARGS})
  include("${port}/port-options.cmake")  # sets HDRGPU_PORT_OPTIONS from FEATURES, as the portfile does
  # vcpkg's triplets pass BUILD_SHARED_LIBS by their linkage; its toolchain and its own builds of the
  # dependencies are not modelled (the system's are used).
  set(shared OFF)
  if(LINKAGE STREQUAL "dynamic")
    set(shared ON)
  endif()
  build_and_install(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=${shared} ${HDRGPU_PORT_OPTIONS} ${EXTRA})
  check_install()
  # The consumer is the port's usage text, as a user would paste it.
  file(STRINGS "${port}/usage" usage REGEX "^    ")
  list(TRANSFORM usage STRIP)
  list(JOIN usage "\n" usage)
  string(REPLACE "main" "usage_consumer" usage "${usage}")
  file(MAKE_DIRECTORY "${WORK_DIR}/usage_src")
  file(WRITE "${WORK_DIR}/usage_src/CMakeLists.txt"
       "cmake_minimum_required(VERSION 3.25)\nproject(usage_consumer LANGUAGES CXX)\n"
       "add_executable(usage_consumer \"${here}/consumer/main.cpp\")\n${usage}\n")
  consume("${WORK_DIR}/usage_src" usage_consumer)
  if("tools" IN_LIST FEATURES)
    run("${prefix}/bin/hdrgpu" --version)
  endif()
  message(STATUS "vcpkg port configuration (${FEATURES}, ${LINKAGE}) built, installed and consumed through its usage text")
  return()
elseif(MODE STREQUAL "embed")
  set(extra "")
  if(HOW STREQUAL "fetchcontent")
    # A source archive of the library, as a release would ship it.
    run(${CMAKE_COMMAND} -E chdir "${SOURCE_DIR}" ${CMAKE_COMMAND} -E tar cf "${WORK_DIR}/hdrgpu-src.tar"
        CMakeLists.txt cmake include src cuda)
    set(extra "-DHDRGPU_SOURCE_ARCHIVE=${WORK_DIR}/hdrgpu-src.tar")
  endif()
  run(${CMAKE_COMMAND} -S "${here}/embed" -B "${WORK_DIR}/embed" -G "${GENERATOR}" -DHOW=${HOW}
      "-DHDRGPU_SOURCE=${SOURCE_DIR}" ${extra})
  # Only what the parent links (hdrgpu::core): a parent builds no more of hdrgpu than it uses.
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/embed" --target embed)
  run("${WORK_DIR}/embed/embed")
  message(STATUS "hdrgpu embedded with ${HOW}")
  return()
else()
  message(FATAL_ERROR "MODE must be installed, build, vcpkg or embed (got '${MODE}')")
endif()

check_install()
consume("${here}/consumer" hdrgpu_consumer)
consume("${here}/core_consumer" hdrgpu_core_consumer)
message(STATUS "package consumers (all components, and core alone) built and ran against ${prefix}")
