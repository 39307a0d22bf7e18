# Debian 12 with hdrgpu's dependencies from Debian's packages (scripts/install-deps.sh --core):
#   conan create . -pr:a packaging/conan/debian.profile
# [platform_requires] tells Conan these are installed on the system: nothing is downloaded or built, and
# hdrgpu finds them as without Conan (CMake packages, else pkg-config).
[settings]
os=Linux
arch=x86_64
compiler=gcc
compiler.version=12
compiler.libcxx=libstdc++11
compiler.cppstd=20
build_type=Release

[platform_requires]
libjpeg-turbo/2.1.5
libexif/0.6.24
tinyexr/1.0.1
stb/cci.20230920
libdeflate/1.14
nlohmann_json/3.11.2

[conf]
tools.cmake.cmaketoolchain:generator=Ninja
