"""Builds and runs tests/package/consumer against the package (every component)."""
import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class HdrgpuTestPackage(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        # The package's own CMake config (see the recipe's package_info).
        tc.cache_variables["CMAKE_PREFIX_PATH"] = self.dependencies["hdrgpu"].package_folder
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if can_run(self):
            exe = os.path.join(self.build_folder, "consumer", "hdrgpu_consumer")
            self.run(f"{exe} {self.build_folder}", env="conanrun")
