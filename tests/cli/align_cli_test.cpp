// `--align mtb` through the tool: `hdrgpu batch` aligns each stack before calibrating (the report carries
// the shifts) and `hdrgpu merge` does the same; both give the library's align + calibrate + merge.
#include <cmath>
#include <fstream>

#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/io.hpp>

#include "cli_support.hpp"

using namespace hdrgpu;
using namespace hdrgpu_test::tool;

namespace {

/// Deterministic noise in [0, 1) per block: a texture without repeats, so only the true shift matches.
double block_noise(int bx, int by) {
  std::uint32_t h = std::uint32_t(bx) * 73856093u ^ std::uint32_t(by) * 19349663u;
  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  return double(h % 1000) / 1000.0;
}

/// A 3-exposure stack whose frames are displaced by known amounts: crops of one textured scene.
void make_shifted_stack(const fs::path& dir, const std::vector<image_shift>& offsets) {
  fs::create_directories(dir);
  const int W = 320, H = 240, pad = 24;
  image<float> scene(W + 2 * pad, H + 2 * pad, 3);
  for (int y = 0; y < scene.height(); ++y)
    for (int x = 0; x < scene.width(); ++x)
      for (int c = 0; c < 3; ++c)
        scene.at(x, y, c) = 0.2f + 0.25f * std::sin(0.043f * x + 0.011f * y) * std::cos(0.037f * y - 0.017f * x) +
                            0.3f * float(block_noise(x / 12, y / 12)) + 0.02f * c;
  const float times[3] = {0.25f, 1.0f, 4.0f};
  std::ofstream list(dir / "exposures.txt");
  for (int k = 0; k < 3; ++k) {
    image<std::uint8_t> img(W, H, 3);
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x)
        for (int c = 0; c < 3; ++c) {
          const float v = scene.at(x + pad - offsets[k].dx, y + pad - offsets[k].dy, c) * times[k] * 160.0f;
          img.at(x, y, c) = std::uint8_t(std::min(255.0f, v));
        }
    const std::string name = "e" + std::to_string(k) + ".png";
    io::write_ldr(dir / name, img.view());
    list << name << " " << times[k] << "\n";
  }
}

}  // namespace

TEST_SUITE("align") {
  TEST_CASE("batch --align mtb reports each image's shift and merges the aligned stack") {
    temp_dir t("align-cli");
    make_shifted_stack(t.path / "in" / "moved", {{5, -3}, {0, 0}, {-7, 4}});
    const run_result r = cli("batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() +
                             " --quiet --device cpu --format pfm --align mtb");
    REQUIRE_MESSAGE(r.code == 0, r.output);
    const auto rows = read_report(t.path / "out" / "report.jsonl");
    REQUIRE(rows.size() == 1);
    // Image k was displaced by offsets[k]; aligning moves it back onto the middle one.
    CHECK(rows[0].at("shifts") == "[[-5, 3], [0, 0], [7, -4]]");

    io::loaded_stack s = io::load_stack(t.path / "in" / "moved");
    const cpu_executor exec;
    mtb_alignment a = align_mtb(exec, s.view<std::uint8_t>());
    for (std::size_t i = 0; i < a.images.size(); ++i) s.images[i] = std::move(a.images[i]);
    const auto stack = s.view<std::uint8_t>();
    const image<float> want = merge_debevec(exec, stack, calibrate_debevec(exec, stack));
    const image<float> got = io::read_radiance(t.path / "out" / "moved.pfm");
    REQUIRE(got.size() == want.size());
    CHECK(hdrgpu_test::max_rel_diff(got.data(), want.data(), got.size()) == 0.0);

    // merge --align gives the same map.
    const run_result m = cli("merge " + (t.path / "in" / "moved").string() + " -o " + (t.path / "m.pfm").string() +
                             " --device cpu --align mtb");
    REQUIRE_MESSAGE(m.code == 0, m.output);
    CHECK(m.output.find("AlignMTB shifts (dx,dy) per image: (-5,3) (0,0) (7,-4)") != std::string::npos);
    const image<float> merged = io::read_radiance(t.path / "m.pfm");
    REQUIRE(merged.size() == want.size());
    CHECK(hdrgpu_test::max_rel_diff(merged.data(), want.data(), merged.size()) == 0.0);

    CHECK(cli("merge " + (t.path / "in" / "moved").string() + " -o " + (t.path / "x.pfm").string() + " --align sift").code == 2);
  }
}
