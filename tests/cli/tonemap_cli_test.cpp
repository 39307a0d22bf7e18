// --tonemap on merge and batch, and the tonemap_spec syntax both use: results equal the library's
// tonemaps on the same merge, bad specs are usage errors naming what is wrong.
#include <filesystem>
#include <string>

#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/io.hpp>
#include <hdrgpu/tonemap_spec.hpp>

#include "cli_support.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace hdrgpu;
using namespace hdrgpu_test::tool;

TEST_SUITE("tonemap") {

TEST_CASE("tonemap_spec parses OpenCV's parameter names and keeps its defaults") {
  const tonemap_spec d = tonemap_spec::parse("drago");
  CHECK(d.which == tonemap_spec::kind::drago);
  CHECK(d.drago.gamma == tonemap_drago_options{}.gamma);
  CHECK(d.drago.saturation == tonemap_drago_options{}.saturation);
  CHECK(d.drago.bias == 0.85f);
  CHECK(tonemap_spec::parse("drago:bias=0.9").drago.bias == 0.9f);
  const tonemap_spec r = tonemap_spec::parse("reinhard:intensity=-1.5,light_adapt=0.25,color_adapt=0.5,gamma=2.2");
  CHECK(r.which == tonemap_spec::kind::reinhard);
  CHECK(r.reinhard.intensity == -1.5f);
  CHECK(r.reinhard.light_adapt == 0.25f);
  CHECK(r.reinhard.color_adapt == 0.5f);
  CHECK(r.reinhard.gamma == 2.2f);
  const tonemap_spec m = tonemap_spec::parse("mantiuk:scale=0.9,saturation=1.2");
  CHECK(m.mantiuk.scale == 0.9f);
  CHECK(m.mantiuk.saturation == 1.2f);
  CHECK(m.mantiuk.gamma == 1.0f);
  CHECK(tonemap_spec::parse("gamma").gamma.gamma == 2.2f);  // the command line's 8-bit default
  CHECK(tonemap_spec::parse("gamma:1.8").gamma.gamma == 1.8f);
  CHECK(tonemap_spec::parse("gamma:gamma=1.5").gamma.gamma == 1.5f);
  // The canonical text parses back to the same values.
  for (const char* text : {"drago:bias=0.9,saturation=0.5", "reinhard:intensity=2", "mantiuk", "gamma:3"}) {
    const tonemap_spec a = tonemap_spec::parse(text);
    CHECK(tonemap_spec::parse(a.to_string()).to_string() == a.to_string());
  }
  CHECK(tonemap_spec::parse("drago:bias=0.9").to_string() == "drago:gamma=1,saturation=1,bias=0.9");
}

TEST_CASE("tonemap_spec refuses unknown operators, parameters and out-of-range values") {
  const auto message = [](const char* text) {
    try {
      (void)tonemap_spec::parse(text);
    } catch (const invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(message("hable").find("gamma[:G], drago, reinhard or mantiuk") != std::string::npos);
  CHECK(message("drago:sigma=1").find("unknown parameter 'sigma' (it takes gamma, saturation, bias)") != std::string::npos);
  CHECK(message("drago:bias").find("expected key=value") != std::string::npos);
  CHECK(message("drago:bias=abc").find("bias needs a number, got 'abc'") != std::string::npos);
  CHECK(message("drago:bias=0.9x").find("needs a number") != std::string::npos);
  CHECK(message("drago:bias=nan").find("needs a number") != std::string::npos);
  CHECK(message("drago:bias=2").find("bias must be") != std::string::npos);
  CHECK(message("reinhard:intensity=9").find("intensity must be") != std::string::npos);
  CHECK(message("reinhard:light_adapt=-0.1").find("light_adapt must be") != std::string::npos);
  CHECK(message("mantiuk:scale=0").find("scale must be") != std::string::npos);
  CHECK(message("gamma:0").find("gamma must be finite and > 0") != std::string::npos);
  CHECK(message("gamma:-2").find("gamma must be") != std::string::npos);
  CHECK(message("Drago") != "accepted");  // names are case-sensitive, as the CLI's other choices
}

TEST_CASE("merge --tonemap applies the named tonemap to the merged radiance map") {
  temp_dir t("tmcli");
  make_stacks(t.path / "in", 1, "96x64", 4, 7);
  const fs::path dir = t.path / "in" / "stack_0000";
  const io::loaded_stack loaded = io::load_stack(dir);
  const cpu_executor exec;
  const image<float> hdr = merge_debevec(exec, loaded.view<std::uint8_t>(), calibrate_debevec(exec, loaded.view<std::uint8_t>()));

  // Float output: exactly the library's tonemap of the same merge.
  struct float_case {
    const char* spec;
    image<float> want;
  };
  const float_case cases[] = {
      {"drago:bias=0.9", tonemap_drago(exec, hdr.view(), {.bias = 0.9f})},
      {"reinhard:intensity=0.5,light_adapt=0.8", tonemap_reinhard(exec, hdr.view(), {.intensity = 0.5f, .light_adapt = 0.8f})},
      {"mantiuk:scale=0.9", tonemap_mantiuk(exec, hdr.view(), {.scale = 0.9f})},
      {"gamma:1.8", tonemap_gamma(exec, hdr.view(), {.gamma = 1.8f})},
  };
  for (const auto& c : cases) {
    const fs::path out = t.path / (std::string(c.spec).substr(0, 5) + ".pfm");
    const run_result r = cli("merge " + dir.string() + " -o " + out.string() + " --device cpu --tonemap " + c.spec);
    REQUIRE_MESSAGE(r.code == 0, c.spec << ": " << r.output);
    const image<float> got = io::read_radiance(out);
    REQUIRE(got.size() == c.want.size());
    CHECK_MESSAGE(hdrgpu_test::max_rel_diff(got.data(), c.want.data(), got.size()) == 0.0, c.spec);
  }

  // 8-bit output: the tonemapped map quantised as every 8-bit output is.
  const fs::path png = t.path / "m.png";
  const run_result r = cli("merge " + dir.string() + " -o " + png.string() + " --device cpu --tonemap mantiuk");
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const auto got = io::load_image_u8(png);
  const image<std::uint8_t> want = io::to_ldr(tonemap_mantiuk(exec, hdr.view()).view());
  REQUIRE(got.size() == want.size());
  CHECK(hdrgpu_test::max_rel_diff(got.data(), want.data(), got.size(), 1.0) == 0.0);
}

TEST_CASE("batch --tonemap sets the preview's tonemap and is recorded in the run header") {
  temp_dir t("tmbatch");
  make_stacks(t.path / "in", 2, "80x60", 3, 4);
  const fs::path out = t.path / "out";
  // --tonemap without --preview still writes previews: the tonemap is only for them.
  const run_result r = cli("batch " + (t.path / "in").string() + " -o " + out.string() +
                           " --quiet --format pfm --device cpu --tonemap drago:bias=0.7,saturation=0.8");
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const cpu_executor exec;
  for (const char* id : {"stack_0000", "stack_0001"}) {
    const image<float> hdr = io::read_radiance(out / (std::string(id) + ".pfm"));
    const auto got = io::load_image_u8(out / (std::string(id) + ".png"));
    const image<std::uint8_t> want = io::to_ldr(tonemap_drago(exec, hdr.view(), {.saturation = 0.8f, .bias = 0.7f}).view());
    REQUIRE(got.size() == want.size());
    CHECK(hdrgpu_test::max_rel_diff(got.data(), want.data(), got.size(), 1.0) == 0.0);
  }
  const auto lines = read_report_lines(out / "report.jsonl");
  REQUIRE(!lines.empty());
  const std::string header = lines.front().at("run");
  CHECK(header.find("\"preview_tonemap\": \"drago:gamma=1,saturation=0.8,bias=0.7\"") != std::string::npos);
}

TEST_CASE("a bad --tonemap is a usage error before anything is read") {
  temp_dir t("tmbad");
  for (const char* spec : {"hable", "drago:bias=2", "drago:foo=1", "gamma:0", "reinhard:intensity=abc", "mantiuk:scale"}) {
    const run_result m = cli("merge " + (t.path / "nowhere").string() + " -o " + (t.path / "x.png").string() + " --tonemap " + spec);
    CHECK_MESSAGE(m.code == 2, spec << ": " << m.output);
    CHECK(m.output.find("--tonemap") != std::string::npos);
    const run_result b = cli("batch " + (t.path / "nowhere").string() + " -o " + (t.path / "o").string() + " --tonemap " + spec);
    CHECK_MESSAGE(b.code == 2, spec << ": " << b.output);
  }
  CHECK_FALSE(fs::exists(t.path / "o"));
}

}  // TEST_SUITE
