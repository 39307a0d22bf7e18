// hdrgpu::io: atomic writes.
#include <hdrgpu/io.hpp>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <variant>

#include "io_test_support.hpp"
#include "support.hpp"

using namespace io_test;  // helpers and the names below, shared by the files split from one suite

TEST_SUITE("io.atomic") {
  TEST_CASE("write_file_atomic replaces, cleans up, and never leaves a partial file") {
    temp_dir dir;
    const auto file = dir / "out.bin";
    io::write_file_atomic(file, std::string_view("first version, longer"));
    CHECK(slurp(file) == "first version, longer");
    const std::byte b[] = {std::byte{1}, std::byte{0}, std::byte{2}};
    io::write_file_atomic(file, std::span<const std::byte>(b));
    CHECK(slurp(file) == std::string("\x01\x00\x02", 3));
    io::write_file_atomic(file, std::string_view());
    CHECK(fs::file_size(file) == 0);
    CHECK(dir.names() == std::vector<std::string>{"out.bin"});

    const auto missing = dir / "no" / "such" / "dir" / "x.pfm";
    try {
      io::write_radiance(missing, random_radiance(2, 2, 1, 1), io::hdr_format::pfm);
      FAIL("no exception");
    } catch (const hdrgpu::io_error& e) {
      CHECK(e.path() == missing);
      CHECK(contains(e.what(), missing.string()));
    }
    CHECK(!fs::exists(missing));
    CHECK(!fs::exists(dir / "no"));

    // The target is a directory: rename fails, the temporary is removed, the directory survives.
    fs::create_directory(dir / "sub");
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::write_file_atomic(dir / "sub", std::string_view("x")); }),
                   "sub"));
    CHECK(fs::is_directory(dir / "sub"));
    CHECK(dir.names() == std::vector<std::string>{"out.bin", "sub"});

    // Replacing a file keeps the old one intact when the new one cannot be produced.
    io::write_response_csv(dir / "keep.csv", hdrgpu::response_curve::linear_robertson(3));
    const std::string before = slurp(dir / "keep.csv");
    CHECK_THROWS_AS(io::write_response_csv(dir / "keep.csv", hdrgpu::response_curve{}), hdrgpu::invalid_argument);
    CHECK(slurp(dir / "keep.csv") == before);
    CHECK(dir.names() == std::vector<std::string>{"keep.csv", "out.bin", "sub"});
  }

  TEST_CASE("a read-only directory gives io_error and no file") {
    if (::geteuid() == 0) {
      MESSAGE("running as root: permissions are not enforced, skipping the read-only check");
      return;
    }
    temp_dir dir;
    fs::create_directory(dir / "ro");
    fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    const std::string msg =
        message_of<hdrgpu::io_error>([&] { io::write_file_atomic(dir / "ro" / "f.txt", std::string_view("x")); });
    CHECK(contains(msg, "f.txt"));
    CHECK(contains(msg, "temporary"));
    fs::permissions(dir / "ro", fs::perms::owner_all);
    CHECK(fs::is_empty(dir / "ro"));
  }
}
