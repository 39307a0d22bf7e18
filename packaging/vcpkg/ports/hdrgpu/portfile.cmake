# Overlay port of hdrgpu, built from the checkout it lives in:
#   vcpkg install hdrgpu[cuda,tools] --overlay-ports=<checkout>/packaging/vcpkg/ports
# Static on vcpkg's static triplets (the library follows BUILD_SHARED_LIBS).
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)
include("${CMAKE_CURRENT_LIST_DIR}/port-options.cmake")

vcpkg_cmake_configure(SOURCE_PATH "${SOURCE_PATH}" OPTIONS ${HDRGPU_PORT_OPTIONS})
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH lib/cmake/hdrgpu)
if("tools" IN_LIST FEATURES)
  vcpkg_copy_tools(TOOL_NAMES hdrgpu AUTO_CLEAN)
endif()
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
# The project has not chosen a licence yet; vcpkg requires this file.
file(WRITE "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright" "hdrgpu: no licence has been chosen yet; see README.md.\n")
