# Installs the already-built hdrgpu into a temporary prefix, then configures, builds and runs a
# separate consumer project against it with find_package(hdrgpu CONFIG REQUIRED).
# Invoked by CTest with -DSOURCE_DIR -DBINARY_DIR -DWORK_DIR -DGENERATOR.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install "${BINARY_DIR}" --prefix "${prefix}")
foreach(f include/hdrgpu/hdrgpu.hpp include/hdrgpu/config.hpp)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install is missing ${f}")
  endif()
endforeach()
file(GLOB_RECURSE configs "${prefix}/*/hdrgpuConfig.cmake")
if(NOT configs)
  message(FATAL_ERROR "install has no hdrgpuConfig.cmake")
endif()

run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/package/consumer" -B "${WORK_DIR}/consumer" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
run("${WORK_DIR}/consumer/hdrgpu_consumer")
message(STATUS "package consumer built and ran against ${prefix}")
