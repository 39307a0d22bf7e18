// EXIF (libexif): exposure times and orientation against the data sets' exif.csv and exposures.txt;
// orientation end to end against cv::imread on JPEGs given hand-built EXIF blocks; stacks whose
// times come from EXIF.
#include <hdrgpu/io.hpp>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "support.hpp"

namespace fs = std::filesystem;
namespace io = hdrgpu::io;
using hdrgpu::image;

namespace {

struct scratch_dir : hdrgpu_test::temp_dir {
  scratch_dir() : temp_dir("exif-test") {}
};


bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

void spit(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, sep);) out.push_back(f);
  return out;
}

// The fields of a minimal EXIF block; 0 / empty leave a tag out.
struct exif_fields {
  int orientation = 0;
  std::uint32_t exposure_num = 0, exposure_den = 0;
  bool has_exposure = false;
  std::int32_t apex_num = 0, apex_den = 0;
  bool has_apex = false;
  bool big_endian = false;
};

// A TIFF-structured EXIF block: IFD0 (Orientation, ExifIFDPointer), Exif IFD (ExposureTime,
// ShutterSpeedValue), values after the IFDs.
std::vector<std::uint8_t> tiff_block(const exif_fields& f) {
  std::vector<std::uint8_t> t;
  const auto u16 = [&](unsigned v) {
    if (f.big_endian) t.insert(t.end(), {std::uint8_t(v >> 8), std::uint8_t(v)});
    else t.insert(t.end(), {std::uint8_t(v), std::uint8_t(v >> 8)});
  };
  const auto u32 = [&](std::uint32_t v) {
    if (f.big_endian) u16(v >> 16), u16(v & 0xffff);
    else u16(v & 0xffff), u16(v >> 16);
  };
  const auto entry = [&](unsigned tag, unsigned type, std::uint32_t value_or_offset, bool is_short) {
    u16(tag), u16(type), u32(1);
    if (is_short) u16(value_or_offset), u16(0);
    else u32(value_or_offset);
  };
  if (f.big_endian) t.insert(t.end(), {'M', 'M', 0, 42});
  else t.insert(t.end(), {'I', 'I', 42, 0});
  u32(8);
  const int n0 = (f.orientation ? 1 : 0) + 1;
  const int n1 = (f.has_exposure ? 1 : 0) + (f.has_apex ? 1 : 0);
  const std::uint32_t exif_ifd = 8 + 2 + 12 * n0 + 4;
  const std::uint32_t values = exif_ifd + 2 + 12 * n1 + 4;
  u16(n0);
  if (f.orientation) entry(0x0112, 3, std::uint32_t(f.orientation), true);
  entry(0x8769, 4, exif_ifd, false);
  u32(0);
  u16(n1);
  if (f.has_exposure) entry(0x829a, 5, values, false);
  if (f.has_apex) entry(0x9201, 10, values + (f.has_exposure ? 8 : 0), false);
  u32(0);
  if (f.has_exposure) u32(f.exposure_num), u32(f.exposure_den);
  if (f.has_apex) u32(std::uint32_t(f.apex_num)), u32(std::uint32_t(f.apex_den));
  return t;
}

// `jpeg` with an APP1 Exif segment inserted after SOI.
std::vector<std::uint8_t> with_exif(const std::vector<std::uint8_t>& jpeg, const exif_fields& f) {
  const std::vector<std::uint8_t> tiff = tiff_block(f);
  const std::size_t len = 2 + 6 + tiff.size();
  std::vector<std::uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), {0xff, 0xe1, std::uint8_t(len >> 8), std::uint8_t(len), 'E', 'x', 'i', 'f', 0, 0});
  out.insert(out.end(), tiff.begin(), tiff.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

std::vector<std::uint8_t> small_jpeg(int w, int h, unsigned seed) {
  cv::Mat m(h, w, CV_8UC3);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 40, 200);
  std::vector<std::uint8_t> out;
  REQUIRE(cv::imencode(".jpg", m, out));
  return out;
}

bool same_as_mat(const image<std::uint8_t>& img, const cv::Mat& m) {
  if (m.cols != img.width() || m.rows != img.height() || m.channels() != 3) return false;
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x)
      for (int k = 0; k < 3; ++k)
        if (img.at(x, y, k) != m.at<cv::Vec3b>(y, x)[2 - k]) return false;
  return true;
}

}  // namespace

TEST_SUITE("io.exif") {
  TEST_CASE("read_exif matches exif.csv and exposures.txt of every JPEG stack") {
    for (const char* stack : {"courtyard-people", "stlouis-arch", "window-handheld"}) {
      CAPTURE(stack);
      HDRGPU_REQUIRE_DATA(stack);
      const fs::path dir = hdrgpu_test::data_root() / stack;
      std::ifstream csv(dir / "exif.csv");
      std::string line;
      std::getline(csv, line);
      REQUIRE(contains(line, "file,stored_width,stored_height,orientation,exposure_time_num,exposure_time_den"));
      std::map<std::string, double> listed;
      for (const auto& e : io::read_exposures(dir / "exposures.txt")) listed[e.file] = e.seconds;
      int rows = 0;
      while (std::getline(csv, line)) {
        const auto f = split(line, ',');
        REQUIRE(f.size() >= 7);
        CAPTURE(f[0]);
        const io::exif_info info = io::read_exif(dir / f[0]);
        CHECK(info.present);
        CHECK(info.orientation == std::stoi(f[3]));
        REQUIRE(info.exposure_seconds.has_value());
        CHECK_FALSE(info.exposure_from_apex);
        CHECK(*info.exposure_seconds == std::stod(f[4]) / std::stod(f[5]));  // 1/3049, 25/10 ...
        CHECK(*info.exposure_seconds == listed.at(f[0]));                    // shortest round-trip text
        const io::image_info probe = io::probe_image(dir / f[0]);
        CHECK(probe.width == std::stoi(f[1]));
        CHECK(probe.height == std::stoi(f[2]));
        CHECK(probe.orientation == info.orientation);
        ++rows;
      }
      CHECK(rows == int(listed.size()));
    }
  }

  TEST_CASE("read_exif: no EXIF in PNGs, and hand-built blocks in both byte orders") {
    HDRGPU_REQUIRE_DATA("memorial");
    const io::exif_info png = io::read_exif(hdrgpu_test::data_root() / "memorial" / "memorial0061.png");
    CHECK_FALSE(png.present);
    CHECK_FALSE(png.exposure_seconds);
    CHECK(png.orientation == 1);

    const auto jpg = small_jpeg(16, 8, 1);
    CHECK_FALSE(io::read_exif(jpg).present);
    for (const bool be : {false, true}) {
      CAPTURE(be);
      exif_fields f{.orientation = 8, .exposure_num = 25, .exposure_den = 10, .has_exposure = true, .big_endian = be};
      io::exif_info i = io::read_exif(with_exif(jpg, f));
      CHECK(i.present);
      CHECK(i.orientation == 8);
      CHECK(i.exposure_seconds == 2.5);

      // ShutterSpeedValue (APEX Tv = 7 -> 1/128 s) only when ExposureTime is missing.
      f = {.orientation = 9, .has_exposure = false, .apex_num = 7, .apex_den = 1, .has_apex = true, .big_endian = be};
      i = io::read_exif(with_exif(jpg, f));
      CHECK(i.orientation == 1);  // 9 is not an orientation
      CHECK(i.exposure_seconds == 1.0 / 128);
      CHECK(i.exposure_from_apex);
      f.has_exposure = true, f.exposure_num = 1, f.exposure_den = 100;
      i = io::read_exif(with_exif(jpg, f));
      CHECK(i.exposure_seconds == 0.01);
      CHECK_FALSE(i.exposure_from_apex);

      // A zero denominator is no exposure time.
      f = {.orientation = 3, .exposure_num = 1, .exposure_den = 0, .has_exposure = true, .big_endian = be};
      i = io::read_exif(with_exif(jpg, f));
      CHECK(i.present);
      CHECK(i.orientation == 3);
      CHECK_FALSE(i.exposure_seconds);
    }
  }

  TEST_CASE("all 8 orientations decode as cv::imread applies them") {
    scratch_dir dir;
    const auto jpg = small_jpeg(37, 21, 2);  // not square, not a multiple of the MCU size
    for (int o = 1; o <= 8; ++o) {
      CAPTURE(o);
      const fs::path file = dir / (std::to_string(o) + "-oriented.jpg");
      spit(file, with_exif(jpg, {.orientation = o, .big_endian = o % 2 == 0}));
      CHECK(io::probe_image(file).orientation == o);
      const auto upright = io::load_image_u8(file);
      CHECK(upright.width() == (o >= 5 ? 21 : 37));
      CHECK(same_as_mat(upright, cv::imread(file.string(), cv::IMREAD_COLOR)));
      const auto stored = io::load_image_u8(file, {.apply_orientation = false});
      CHECK(same_as_mat(stored, cv::imread(file.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION)));
    }
  }
}

TEST_SUITE("io.stack") {
  TEST_CASE("a JPEG folder without exposures.txt takes its times from EXIF") {
    HDRGPU_REQUIRE_DATA("courtyard-people");
    const fs::path src = hdrgpu_test::data_root() / "courtyard-people";
    scratch_dir root;
    const fs::path dir = root / "yard";
    fs::create_directories(dir);
    // Links, in reverse order of creation, plus files that must be ignored.
    for (int i = 30; i >= 15; --i) {
      const std::string name = "SAM_00" + std::to_string(i) + ".JPG";
      fs::create_symlink(src / name, dir / name);
    }
    fs::create_symlink(src / "SAM_0015.JPG", dir / "._SAM_0015.JPG");
    spit(dir / "notes.txt", {'h', 'i'});
    fs::create_directories(dir / "sub.jpg");

    const io::loaded_stack from_exif = io::load_stack(dir);
    const io::loaded_stack from_file = io::load_stack(src);
    CHECK(from_exif.name == "yard");
    CHECK(from_exif.times_from == io::exposure_source::exif);
    CHECK(from_file.times_from == io::exposure_source::file);
    CHECK(std::string(io::to_string(from_exif.times_from)) == "exif");
    CHECK(std::string(io::to_string(from_file.times_from)) == "file");
    REQUIRE(from_exif.images.size() == 16);
    CHECK(from_exif.files == from_file.files);  // sorted by name, as exposures.txt lists them
    CHECK(from_exif.times == from_file.times);
    for (std::size_t i = 0; i < 16; ++i)
      CHECK(std::get<image<std::uint8_t>>(from_exif.images[i]).view().data() != nullptr);
    const auto& a = std::get<image<std::uint8_t>>(from_exif.images[7]);
    const auto& b = std::get<image<std::uint8_t>>(from_file.images[7]);
    CHECK(std::equal(a.data(), a.data() + a.size(), b.data(), b.data() + b.size()));
  }

  TEST_CASE("window-handheld loads upright with EXIF times and --ignore-orientation keeps it stored") {
    HDRGPU_REQUIRE_DATA("window-handheld");
    const fs::path src = hdrgpu_test::data_root() / "window-handheld";
    scratch_dir root;
    const fs::path dir = root / "window";
    fs::create_directories(dir);
    for (const char* name : {"2.JPG", "5.JPG", "7.JPG"}) fs::create_symlink(src / name, dir / name);

    const io::loaded_stack s = io::load_stack(dir);
    REQUIRE(s.images.size() == 3);
    CHECK(s.times_from == io::exposure_source::exif);
    CHECK(s.times == std::vector<float>{float(1.0 / 2083), float(1.0 / 250), float(1.0 / 100)});
    const auto& up = std::get<image<std::uint8_t>>(s.images[1]);
    CHECK(up.width() == 2448);
    CHECK(up.height() == 3264);
    CHECK(same_as_mat(up, cv::imread((src / "5.JPG").string(), cv::IMREAD_COLOR)));

    const io::loaded_stack raw = io::load_stack(dir, {.apply_orientation = false});
    CHECK(std::get<image<std::uint8_t>>(raw.images[0]).width() == 3264);
    CHECK(raw.view<std::uint8_t>().width() == 3264);
  }

  TEST_CASE("missing EXIF exposure times are per-stack errors naming the file") {
    scratch_dir root;
    const fs::path dir = root / "noexif";
    fs::create_directories(dir);
    const auto jpg = small_jpeg(16, 8, 3);
    spit(dir / "a.jpg", with_exif(jpg, {.exposure_num = 1, .exposure_den = 60, .has_exposure = true}));
    spit(dir / "b.jpg", with_exif(jpg, {.orientation = 1}));
    try {
      io::load_stack(dir);
      FAIL("no exception");
    } catch (const hdrgpu::io_error& e) {
      CHECK(e.path() == dir / "b.jpg");
      CHECK(contains(e.what(), "stack 'noexif': b.jpg: EXIF has no ExposureTime"));
      CHECK(contains(e.what(), "exposures.txt"));
    }
    spit(dir / "b.jpg", jpg);
    try {
      io::load_stack(dir);
      FAIL("no exception");
    } catch (const hdrgpu::io_error& e) {
      CHECK(contains(e.what(), "stack 'noexif': b.jpg: no EXIF data, so no exposure time"));
    }
    // A present but unusable ExposureTime is named as invalid, with its value, not as missing.
    for (const auto& [num, den] : {std::pair<std::uint32_t, std::uint32_t>{0, 0}, {1, 0}, {0, 250}}) {
      spit(dir / "b.jpg", with_exif(jpg, {.exposure_num = num, .exposure_den = den, .has_exposure = true}));
      const std::string shown = std::to_string(num) + "/" + std::to_string(den);
      CAPTURE(shown);
      CHECK(io::read_exif(dir / "b.jpg").invalid_exposure == shown);
      CHECK_FALSE(io::read_exif(dir / "b.jpg").exposure_seconds.has_value());
      try {
        io::load_stack(dir);
        FAIL("no exception");
      } catch (const hdrgpu::io_error& e) {
        CHECK(contains(e.what(), "stack 'noexif': b.jpg: invalid EXIF ExposureTime " + shown));
      }
    }
    CHECK(io::read_exif(dir / "a.jpg").invalid_exposure.empty());
    // An exposures.txt takes precedence over EXIF.
    std::ofstream(dir / "exposures.txt") << "a.jpg 1/30\nb.jpg 1/15\n";
    const io::loaded_stack s = io::load_stack(dir);
    CHECK(s.times_from == io::exposure_source::file);
    CHECK(s.times == std::vector<float>{1.0f / 30, 1.0f / 15});

    const fs::path empty = root / "empty";
    fs::create_directories(empty);
    try {
      io::load_stack(empty);
      FAIL("no exception");
    } catch (const hdrgpu::io_error& e) {
      CHECK(contains(e.what(), "stack 'empty': "));
      CHECK(contains(e.what(), "has no exposures.txt and no images"));
    }
  }

  TEST_CASE("load_stack of a manifest entry: given times or EXIF") {
    scratch_dir root;
    const auto jpg = small_jpeg(16, 8, 4);
    spit(root / "a.jpg", with_exif(jpg, {.orientation = 6, .exposure_num = 1, .exposure_den = 8, .has_exposure = true}));
    spit(root / "b.jpg", with_exif(jpg, {.orientation = 6, .exposure_num = 1, .exposure_den = 2, .has_exposure = true}));
    io::manifest_entry e{"kitchen", {root / "a.jpg", root / "b.jpg"}, {}};
    io::loaded_stack s = io::load_stack(e);
    CHECK(s.name == "kitchen");
    CHECK(s.dir == root.path);
    CHECK(s.times_from == io::exposure_source::exif);
    CHECK(s.times == std::vector<float>{0.125f, 0.5f});
    CHECK(s.files == std::vector<std::string>{(root / "a.jpg").string(), (root / "b.jpg").string()});
    CHECK(s.view<std::uint8_t>().width() == 8);  // orientation 6 applied

    e.times = {0.25, 1.0};
    s = io::load_stack(e, {.apply_orientation = false});
    CHECK(s.times_from == io::exposure_source::file);
    CHECK(s.times == std::vector<float>{0.25f, 1.0f});
    CHECK(s.view<std::uint8_t>().width() == 16);

    e.times = {0.25};
    CHECK_THROWS_WITH_AS(io::load_stack(e), doctest::Contains("stack 'kitchen': 2 images but 1 exposure times"),
                         hdrgpu::invalid_argument);
    e.images.push_back(root / "gone.jpg");
    e.times = {};
    try {
      io::load_stack(e);
      FAIL("no exception");
    } catch (const hdrgpu::io_error& err) {
      CHECK(err.path() == root / "gone.jpg");
      CHECK(contains(err.what(), "stack 'kitchen': " + (root / "gone.jpg").string() + ": cannot open"));
    }
  }
}
