# The image libraries behind hdrgpu::io: TurboJPEG (libjpeg-turbo >= 2.1), libexif, tinyexr, stb and
# libdeflate. Each comes from its CMake package when one provides the target (Debian's tinyexr and
# libjpeg-turbo, Conan's CMakeDeps, vcpkg), else from pkg-config (Debian's packages, and Conan with the
# system's packages as platform requirements).
#   HDRGPU_IO_DEPENDENCIES       their imported targets, linked privately into hdrgpu_io
#   HDRGPU_IO_FIND_DEPENDENCIES  the calls that recreate the same targets in a consumer of a static install
set(HDRGPU_IO_DEPENDENCIES "")
set(HDRGPU_IO_FIND_DEPENDENCIES "")

# _hdrgpu_io_dep(<pkg-config prefix> <pkg-config module spec> <CMake package> <CMake target> [<min version>])
function(_hdrgpu_io_dep prefix module package target)
  set(min "${ARGV4}")
  find_package(${package} CONFIG QUIET)
  if(TARGET ${target} AND (NOT min OR NOT DEFINED ${package}_VERSION OR ${package}_VERSION VERSION_GREATER_EQUAL min))
    set(call "find_dependency(${package} CONFIG)")
  else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(${prefix} REQUIRED IMPORTED_TARGET ${module})
    set(target PkgConfig::${prefix})
    set(call "find_dependency(PkgConfig)\npkg_check_modules(${prefix} REQUIRED IMPORTED_TARGET ${module})")
  endif()
  set(HDRGPU_IO_DEPENDENCIES ${HDRGPU_IO_DEPENDENCIES} ${target} PARENT_SCOPE)
  set(HDRGPU_IO_FIND_DEPENDENCIES "${HDRGPU_IO_FIND_DEPENDENCIES}${call}\n" PARENT_SCOPE)
endfunction()

_hdrgpu_io_dep(TURBOJPEG "libturbojpeg>=2.1" libjpeg-turbo libjpeg-turbo::turbojpeg 2.1)
_hdrgpu_io_dep(LIBEXIF libexif libexif libexif::libexif)
_hdrgpu_io_dep(TINYEXR tinyexr tinyexr tinyexr::tinyexr)
_hdrgpu_io_dep(STB stb stb stb::stb)
# Deflate for the OpenEXR writer's zip blocks: several times faster per core than zlib, same format.
_hdrgpu_io_dep(LIBDEFLATE libdeflate libdeflate libdeflate::libdeflate)
# JSON Lines manifests. Header-only and used only inside hdrgpu_io's sources, so a consumer of a static
# install needs nothing of it (BUILD_INTERFACE keeps it out of the export).
find_package(nlohmann_json 3.10 CONFIG REQUIRED)
list(APPEND HDRGPU_IO_DEPENDENCIES $<BUILD_INTERFACE:nlohmann_json::nlohmann_json>)
