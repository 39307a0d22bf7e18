// The hdrgpu command-line tool, run as a user would: results, exit codes and error messages.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>

#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/io.hpp>

#include "cli_support.hpp"
#include "gpu_support.hpp"

namespace fs = std::filesystem;
using namespace hdrgpu;

namespace {

using hdrgpu_test::tool::run_result;
using hdrgpu_test::tool::temp_dir;
run_result run_cli(const std::string& args) { return hdrgpu_test::tool::cli(args); }

void write_text(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

}  // namespace

TEST_SUITE("cli") {

TEST_CASE("synth, merge and calibrate produce what the library computes") {
  temp_dir t;
  const auto stacks = t.path / "stacks";
  const run_result syn = run_cli("synth " + stacks.string() + " --stacks 2 --size 160x120 --exposures 4 --seed 3 --format png");
  REQUIRE_MESSAGE(syn.code == 0, syn.output);
  const auto dir = stacks / "stack_0001";
  for (const char* f : {"exposures.txt", "truth.pfm", "truth_response.csv", "exposure_0.png", "exposure_3.png"})
    CHECK(fs::exists(dir / f));

  const io::loaded_stack loaded = io::load_stack(dir);
  const auto stack = loaded.view<std::uint8_t>();
  cpu_executor exec;
  const auto resp = calibrate_debevec(exec, stack);
  const auto expected = merge_debevec(exec, stack, resp);

  // Pinned to the CPU: bit for bit with the library's CPU backend (the GPU twin is in suite gpu).
  const auto exr = t.path / "out.exr";
  const run_result m = run_cli("merge " + dir.string() + " -o " + exr.string() + " --device cpu");
  REQUIRE_MESSAGE(m.code == 0, m.output);
  const image<float> got = io::read_radiance(exr);
  REQUIRE(got.size() == expected.size());
  CHECK(hdrgpu_test::max_rel_diff(got.data(), expected.data(), got.size()) == 0.0);  // float EXR is lossless

  const auto csv = t.path / "resp.csv";
  const run_result c = run_cli("calibrate " + dir.string() + " -o " + csv.string() + " --device cpu");
  REQUIRE_MESSAGE(c.code == 0, c.output);
  CHECK(io::read_response_csv(csv).values() == resp.values());

  // Every method and output kind runs; a CSV response and linear response are accepted.
  for (const std::string& extra :
       std::vector<std::string>{"--method robertson -o " + (t.path / "r.hdr").string(), "--method mertens -o " + (t.path / "m.png").string(),
        "--response linear --compat opencv-4.6 -o " + (t.path / "l.pfm").string(),
        "--response " + csv.string() + " --tonemap gamma:2.2 -o " + (t.path / "g.jpg").string(),
        "--half -o " + (t.path / "h.exr").string(), "--device cpu --threads 1 -o " + (t.path / "c.pfm").string()}) {
    const run_result r = run_cli("merge " + dir.string() + " " + extra);
    CHECK_MESSAGE(r.code == 0, extra << ": " << r.output);
  }
  const image<float> one_thread = io::read_radiance(t.path / "c.pfm");
  CHECK(std::equal(one_thread.data(), one_thread.data() + one_thread.size(), expected.data()));
}

TEST_CASE("usage errors exit 2") {
  CHECK(run_cli("").code == 2);
  CHECK(run_cli("frobnicate").code == 2);
  CHECK(run_cli("merge").code == 2);
  CHECK(run_cli("merge a b -o x.exr").code == 2);
  CHECK(run_cli("merge a").code == 2);
  CHECK(run_cli("merge a -o x.exr --method fancy").code == 2);
  CHECK(run_cli("merge a -o x.exr --compat opencv-3").code == 2);
  CHECK(run_cli("merge a -o x.exr --tonemap hable").code == 2);
  CHECK(run_cli("merge a -o x.exr --device tpu").code == 2);
  CHECK(run_cli("merge a -o x.tiff").code == 2);
  CHECK(run_cli("merge a -o x.exr --bogus").code == 2);
  CHECK(run_cli("synth d --size 10by10").code == 2);
  CHECK(run_cli("calibrate a -o r.csv --samples 0").code == 2);
  CHECK(run_cli("--version").code == 0);
}

TEST_CASE("processing errors exit 1 and name the stack and file") {
  temp_dir t;
  const run_result syn = run_cli("synth " + t.path.string() + " --stacks 1 --size 64x48 --exposures 3 --format png");
  REQUIRE(syn.code == 0);
  const auto good = t.path / "stack_0000";
  const auto out = (t.path / "o.exr").string();

  const run_result missing = run_cli("merge " + (t.path / "nowhere").string() + " -o " + out);
  CHECK(missing.code == 1);
  CHECK(missing.output.find("stack 'nowhere'") != std::string::npos);

  // A corrupt image.
  const auto bad = t.path / "bad";
  fs::copy(good, bad);
  write_text(bad / "exposure_1.png", "this is not a png");
  const run_result corrupt = run_cli("merge " + bad.string() + " -o " + out);
  CHECK(corrupt.code == 1);
  CHECK(corrupt.output.find("stack 'bad'") != std::string::npos);
  CHECK(corrupt.output.find("exposure_1.png") != std::string::npos);
  CHECK_FALSE(fs::exists(out));  // nothing written on failure

  // Non-positive time.
  const auto zero = t.path / "zero";
  fs::copy(good, zero);
  write_text(zero / "exposures.txt", "exposure_0.png 0.01\nexposure_1.png 0\nexposure_2.png 1/4\n");
  const run_result z = run_cli("merge " + zero.string() + " -o " + out);
  CHECK(z.code == 1);
  CHECK(z.output.find("exposures.txt") != std::string::npos);

  // Mismatched sizes.
  const auto mixed = t.path / "mixed";
  fs::copy(good, mixed);
  const run_result other = run_cli("synth " + (t.path / "o").string() + " --stacks 1 --size 32x24 --exposures 3 --format png");
  REQUIRE(other.code == 0);
  fs::copy_file(t.path / "o" / "stack_0000" / "exposure_2.png", mixed / "exposure_2.png", fs::copy_options::overwrite_existing);
  const run_result mm = run_cli("merge " + mixed.string() + " -o " + out);
  CHECK(mm.code == 1);
  CHECK(mm.output.find("exposure_2.png") != std::string::npos);
  CHECK(mm.output.find("32x24") != std::string::npos);

  // Exposure times so short that the radiance overflows f32: refused, nothing written, unless asked.
  const auto tiny = t.path / "tiny";
  fs::copy(good, tiny);
  write_text(tiny / "exposures.txt", "exposure_0.png 1e-44\nexposure_1.png 4e-44\nexposure_2.png 1.6e-43\n");
  const run_result inf = run_cli("merge " + tiny.string() + " -o " + out + " --device cpu");
  CHECK(inf.code == 1);
  CHECK(inf.output.find("stack 'tiny'") != std::string::npos);
  CHECK(inf.output.find("NaN or infinite") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  const run_result kept = run_cli("merge " + tiny.string() + " -o " + out + " --device cpu --keep-nonfinite");
  CHECK(kept.code == 0);
  CHECK(fs::exists(out));
  fs::remove(out);

  // A missing image listed in exposures.txt.
  const auto gone = t.path / "gone";
  fs::copy(good, gone);
  fs::remove(gone / "exposure_0.png");
  const run_result g = run_cli("calibrate " + gone.string() + " -o " + (t.path / "r.csv").string());
  CHECK(g.code == 1);
  CHECK(g.output.find("exposure_0.png") != std::string::npos);

}

TEST_CASE("--device cuda without a usable device fails clearly and --device auto says why it uses the CPU") {
  // Under the emulator the child sees no device with EMU_DEVICE_COUNT=0; a real GPU cannot be hidden.
  const std::string env = hdrgpu_test::no_device_env();
  if (env.empty() && cuda_available()) {
    hdrgpu_test::mark_skipped("a CUDA device is present");
    return;
  }
  temp_dir t;
  REQUIRE(run_cli("synth " + t.path.string() + " --stacks 1 --size 64x48 --exposures 3 --format png").code == 0);
  const auto good = (t.path / "stack_0000").string();
  const auto out = (t.path / "o.pfm").string();
  const run_result cuda = hdrgpu_test::tool::cli("merge " + good + " -o " + out + " --device cuda", env);
  CHECK(cuda.code == 1);
  CHECK(cuda.output.find("--device cuda") != std::string::npos);
  const std::string why = hdrgpu_test::no_device_reason();
  CHECK(cuda.output.find(why) != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  const run_result automatic = hdrgpu_test::tool::cli("merge " + good + " -o " + out, env);
  CHECK_MESSAGE(automatic.code == 0, automatic.output);
  CHECK(automatic.output.find("--device auto: running on the CPU: " + why) != std::string::npos);
}

}  // TEST_SUITE

TEST_SUITE("gpu") {

// The tool on the GPU: what the library computes on the CPU, within the tolerances of a real GPU (device
// expf/logf differ from glibc's by a few ulp; see gpu_merge_test.cpp), and nothing printed about the CPU.
TEST_CASE("cli: merge and calibrate on --device cuda agree with the CPU library") {
  HDRGPU_REQUIRE_GPU(gpu);
  temp_dir t;
  const auto stacks = t.path / "stacks";
  REQUIRE(run_cli("synth " + stacks.string() + " --stacks 1 --size 160x120 --exposures 4 --seed 3 --format png").code == 0);
  const auto dir = stacks / "stack_0000";
  const io::loaded_stack loaded = io::load_stack(dir);
  const auto stack = loaded.view<std::uint8_t>();
  const cpu_executor cpu;
  const auto resp = calibrate_debevec(cpu, stack);

  const run_result c = run_cli("calibrate " + dir.string() + " -o " + (t.path / "r.csv").string() + " --device cuda");
  REQUIRE_MESSAGE(c.code == 0, c.output);
  const response_curve got_resp = io::read_response_csv(t.path / "r.csv");
  CHECK(hdrgpu_test::max_rel_diff(got_resp.values().data(), resp.values().data(), resp.values().size()) <=
        hdrgpu_test::gpu_calibration_tol);

  struct merge_case {
    std::string args;
    image<float> want;
    double floor;  // max_rel_diff's floor: Mertens values near 0 (and below) are compared absolutely
  };
  const merge_case cases[] = {
      {"--method debevec", merge_debevec(cpu, stack, resp), 1e-30},
      {"--method robertson",
       merge_robertson(cpu, stack, calibrate_robertson(cpu, stack, {.sums = robertson_sums::exact})), 1e-30},
      {"--method mertens", merge_mertens(cpu, stack, {.grey = grey_rule::opencv_bgr}), 1.0},
  };
  for (const auto& k : cases) {
    CAPTURE(k.args);
    const auto pfm = t.path / "out.pfm";
    const run_result m = run_cli("merge " + dir.string() + " -o " + pfm.string() + " --device cuda " + k.args);
    REQUIRE_MESSAGE(m.code == 0, m.output);
    CHECK(m.output.find("running on the CPU") == std::string::npos);
    const image<float> got = io::read_radiance(pfm);
    REQUIRE(got.size() == k.want.size());
    CHECK(hdrgpu_test::max_rel_diff(got.data(), k.want.data(), got.size(), k.floor) <= hdrgpu_test::gpu_merge_tol);
  }
}

}  // TEST_SUITE
