// The batch engine end to end through `hdrgpu batch`: outputs equal the library's per-stack results,
// resumable runs, bad-stack isolation, manifests, EXIF times, sharding and the memory budget.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <iterator>
#include <set>
#include <thread>

#include <hdrgpu/convert.hpp>
#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/io.hpp>
#include <hdrgpu/pipeline.hpp>

#include "cli_support.hpp"
#include "gpu_support.hpp"

using namespace hdrgpu;
using namespace hdrgpu_test::tool;

namespace {

/// The library's answer for one stack folder: Debevec calibration + merge, as the batch does it.
image<float> expected_debevec(const fs::path& dir) {
  const io::loaded_stack s = io::load_stack(dir);
  const cpu_executor exec;
  const auto stack = s.view<std::uint8_t>();
  return merge_debevec(exec, stack, calibrate_debevec(exec, stack));
}

std::map<std::string, json_line> by_stack(const std::vector<json_line>& lines) {
  std::map<std::string, json_line> m;
  for (const auto& l : lines) {
    const std::string id = unquote(l.at("stack"));
    CHECK_MESSAGE(m.count(id) == 0, "stack " << id << " reported twice");
    m[id] = l;
  }
  return m;
}

/// `hdrgpu batch --device DEVICE` on three stacks: every output equals the library's CPU result within
/// `tol` (relative; 0 on the CPU), and the report is complete.
void check_folder_of_stacks(const std::string& device, double tol) {
  temp_dir t("batch");
  make_stacks(t.path / "in", 3, "96x64");
  const run_result r = cli("batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() + " --quiet --device " + device);
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(r.output.find("3 stacks: 3 ok, 0 skipped, 0 failed") != std::string::npos);
  const auto report = by_stack(read_report(t.path / "out" / "report.jsonl"));
  REQUIRE(report.size() == 3);
  for (const char* id : {"stack_0000", "stack_0001", "stack_0002"}) {
    CAPTURE(id);
    const json_line& l = report.at(id);
    CHECK(unquote(l.at("status")) == "ok");
    CHECK(l.at("error") == "null");
    CHECK(unquote(l.at("exposure_source")) == "file");
    CHECK(l.at("nonfinite") == "0");
    CHECK(unquote(l.at("output")) == (t.path / "out" / (std::string(id) + ".exr")).string());
    CHECK(l.at("width") == "96");
    CHECK(l.at("height") == "64");
    CHECK(l.count("ms") == 1);
    CHECK(l.count("clipped_percent") == 1);
    const image<float> got = io::read_radiance(t.path / "out" / (std::string(id) + ".exr"));
    const image<float> want = expected_debevec(t.path / "in" / id);
    REQUIRE(got.size() == want.size());
    CHECK(hdrgpu_test::max_rel_diff(got.data(), want.data(), got.size()) <= tol);
  }
}

/// Robertson (calibrated with `sums`, as the device does) and Mertens through `hdrgpu batch --device DEVICE`.
void check_robertson_and_mertens(const std::string& device, robertson_sums sums, double tol) {
  temp_dir t("batch");
  make_stacks(t.path / "in", 1, "80x60", 4, 8);
  const fs::path dir = t.path / "in" / "stack_0000";
  const io::loaded_stack s = io::load_stack(dir);
  const auto stack = s.view<std::uint8_t>();
  const cpu_executor exec;
  const image<float> robertson = merge_robertson(exec, stack, calibrate_robertson(exec, stack, {.sums = sums}));
  const image<float> mertens = merge_mertens(exec, stack, {.grey = grey_rule::opencv_bgr});
  for (const auto& [method, want] : {std::pair{std::string("robertson"), &robertson}, std::pair{std::string("mertens"), &mertens}}) {
    CAPTURE(method);
    const fs::path out = t.path / method;
    const run_result r = cli("batch " + (t.path / "in").string() + " -o " + out.string() +
                             " --quiet --format pfm --device " + device + " --method " + method);
    REQUIRE_MESSAGE(r.code == 0, r.output);
    const image<float> got = io::read_radiance(out / "stack_0000.pfm");
    REQUIRE(got.size() == want->size());
    // Floor 1: Mertens values near 0 are compared absolutely.
    CHECK(hdrgpu_test::max_rel_diff(got.data(), want->data(), got.size(), method == "mertens" ? 1.0 : 1e-6) <= tol);
  }
}

/// The memory budget on `device`: the engine's accounting stays within --memory (pinned staging
/// included), and the tool's peak resident memory stays near it, far below what the 16 stacks would take.
void check_memory_budget(const std::string& device) {
  temp_dir t("batch");
  // JPEGs decode faster than one compute thread merges them, so without a budget the decoded stacks
  // pile up (about 200 MiB resident for these 16); with one, readers wait.
  // 16 stacks; 6 in reduced runs (still three times what the budget holds).
  const int stacks = hdrgpu_test::reduced_inputs() ? 6 : 16;
  const run_result syn = cli("synth " + (t.path / "in").string() + " --stacks " + std::to_string(stacks) +
                             " --size 1024x768 --exposures 5 --seed 5 --format jpg");
  REQUIRE_MESSAGE(syn.code == 0, syn.output);
  const double stack_mib = (5.0 * 1024 * 768 * 3 + 1024.0 * 768 * 3 * 4) / (1 << 20);  // inputs + result: 20.3
  pipeline::config cfg;
  cfg.input = t.path / "in";
  cfg.output_dir = t.path / "out";
  cfg.format = io::hdr_format::pfm;
  cfg.memory_budget = std::size_t(48) << 20;  // two stacks
  cfg.readers = 4;
  cfg.threads = 1;
  cfg.device = device;
  const pipeline::summary s = pipeline::run(cfg);
  CHECK(s.ok == std::size_t(stacks));
  CHECK(s.failed == 0);
  CHECK(double(s.peak_bytes_in_flight) >= stack_mib * (1 << 20));
  CHECK(s.peak_bytes_in_flight <= cfg.memory_budget);
  // The same run through the tool, measured on that child alone: at most the budget plus one stack and
  // slack. On a GPU the process also holds a CUDA context (and, emulated, the "device" memory is host
  // memory): that part is measured on a run of one stack, which then stands in for the "one stack". One
  // GPU lane, so that emulated device memory holds one stack at a time, as in the one-stack run.
  const std::string opts = " --quiet --format pfm --readers 4 --threads 1 --gpu-lanes 1 --memory 48M --device " + device;
  // Large blocks straight from and back to the system, so resident memory is what is live, not what glibc
  // keeps after raising its mmap threshold (it does that when a large block is freed).
  const std::string env = "MALLOC_MMAP_THRESHOLD_=1048576";
  double fixed_mib = stack_mib;
  if (device != "cpu") {
    fs::create_directories(t.path / "one");
    fs::create_symlink(t.path / "in" / "stack_0000", t.path / "one" / "stack_0000");
    const peak_run one = cli_peak_rss("batch " + (t.path / "one").string() + " -o " + (t.path / "out1").string() + opts, env);
    REQUIRE(one.code == 0);
    MESSAGE("peak RSS of hdrgpu batch on " << device << " with one stack: " << one.peak_mib << " MiB");
    fixed_mib = one.peak_mib;
  }
  const peak_run r = cli_peak_rss("batch " + (t.path / "in").string() + " -o " + (t.path / "out2").string() + opts, env);
  REQUIRE(r.code == 0);
  MESSAGE("peak RSS of hdrgpu batch on " << device << " with a 48 MiB budget: " << r.peak_mib << " MiB");
#if defined(__SANITIZE_ADDRESS__)
  MESSAGE("peak RSS not checked: AddressSanitizer's shadow memory and quarantine keep freed blocks resident");
#else
  CHECK(r.peak_mib < 48 + fixed_mib + 64);
#endif
}

/// Multiplies every exposure time in `stack_dir`/exposures.txt by `factor` (comments dropped).
void scale_times(const fs::path& stack_dir, double factor) {
  const fs::path list = stack_dir / "exposures.txt";
  std::ifstream in(list);
  std::ostringstream text;
  text.precision(17);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string file;
    double seconds = 0;
    if (line.rfind('#', 0) != 0 && fields >> file >> seconds) text << file << ' ' << seconds * factor << '\n';
  }
  in.close();
  std::ofstream(list) << text.str();
}

/// A stack whose radiance goes far beyond half's range (exposure times divided by a million), through
/// `hdrgpu batch --format exr-half --device DEVICE`: the report counts the clamped samples (the library's
/// census of the map within `tol`, relative), one warning per stack names it, and the file holds 65504
/// where the map is larger, never infinity. Default compression: piz.
void check_half_clamping(const std::string& device, double tol) {
  temp_dir t("batch");
  make_stacks(t.path / "in", 2, "64x48", 3, 9);
  for (const char* id : {"stack_0000", "stack_0001"}) scale_times(t.path / "in" / id, 1e-6);
  const run_result r = cli("batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() +
                           " --quiet --format exr-half --device " + device);
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const auto report = by_stack(read_report(t.path / "out" / "report.jsonl"));
  for (const char* id : {"stack_0000", "stack_0001"}) {
    CAPTURE(id);
    const image<float> want = expected_debevec(t.path / "in" / id);
    const std::size_t above = census(want.view()).above_half;
    REQUIRE(above > 100);
    const double clamped = std::stod(report.at(id).at("clamped"));
    CHECK(std::abs(clamped - double(above)) <= tol * double(above));
    const std::string warning = "stack '" + std::string(id) + "': " + report.at(id).at("clamped") + " samples above 65504";
    const auto first = r.output.find(warning);
    CHECK(first != std::string::npos);
    CHECK(r.output.find(warning, first + 1) == std::string::npos);  // once per stack
    const fs::path out = t.path / "out" / (std::string(id) + ".exr");
    const image<float> got = io::read_radiance(out);
    REQUIRE(got.size() == want.size());
    std::size_t at_max = 0, infinite = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      infinite += std::isinf(got.data()[i]) ? 1 : 0;
      at_max += got.data()[i] == 65504.0f ? 1 : 0;
    }
    CHECK(infinite == 0);
    CHECK(at_max >= std::size_t(clamped));
    // The default compression for half is piz: the file is the one write_radiance makes with it.
    std::ifstream f(out, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), {});
    CHECK(bytes.find(std::string("compression\0compression\0\x01\0\0\0\x04", 29)) != std::string::npos);
  }
}

}  // namespace

TEST_SUITE("batch") {

TEST_CASE("batch: a folder of stacks gives the library's results and a complete report") {
  check_folder_of_stacks("cpu", 0.0);
}

TEST_CASE("batch: Robertson and Mertens outputs equal the library's") {
  check_robertson_and_mertens("cpu", robertson_sums::opencv_f32, 0.0);
}

TEST_CASE("batch: a rerun skips finished stacks and --overwrite redoes them") {
  temp_dir t("batch");
  make_stacks(t.path / "in", 2, "64x48");
  const std::string cmd = "batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() + " --quiet --format pfm";
  REQUIRE(cli(cmd).code == 0);
  const auto out0 = t.path / "out" / "stack_0000.pfm";
  const auto stamp = fs::last_write_time(out0);
  const run_result again = cli(cmd);
  REQUIRE_MESSAGE(again.code == 0, again.output);
  for (const auto& l : read_report(t.path / "out" / "report.jsonl")) CHECK(unquote(l.at("status")) == "skipped");
  CHECK(fs::last_write_time(out0) == stamp);
  const run_result redo = cli(cmd + " --overwrite");
  REQUIRE(redo.code == 0);
  for (const auto& l : read_report(t.path / "out" / "report.jsonl")) CHECK(unquote(l.at("status")) == "ok");
}

TEST_CASE("batch: one bad stack is reported and the others are written") {
  temp_dir t("batch");
  const fs::path in = t.path / "in";
  make_stacks(in, 4, "64x48");
  // stack_0001: a corrupt image; stack_0002: an image of another size; stack_0003: no times at all.
  { std::ofstream(in / "stack_0001" / "exposure_1.png", std::ios::binary) << "not a png"; }
  {
    const image<std::uint8_t> small(32, 16, 3);
    io::write_ldr(in / "stack_0002" / "exposure_2.png", small.view());
  }
  fs::remove(in / "stack_0003" / "exposures.txt");
  const run_result r = cli("batch " + in.string() + " -o " + (t.path / "out").string() + " --quiet");
  CHECK_MESSAGE(r.code == 1, r.output);
  const auto report = by_stack(read_report(t.path / "out" / "report.jsonl"));
  REQUIRE(report.size() == 4);
  CHECK(unquote(report.at("stack_0000").at("status")) == "ok");
  CHECK(fs::exists(t.path / "out" / "stack_0000.exr"));
  for (const char* bad : {"stack_0001", "stack_0002", "stack_0003"}) {
    CAPTURE(bad);
    CHECK(unquote(report.at(bad).at("status")) == "error");
    CHECK(report.at(bad).at("output") == "null");
    CHECK(report.at(bad).at("error").find(bad) != std::string::npos);
    CHECK_FALSE(fs::exists(t.path / "out" / (std::string(bad) + ".exr")));
  }
  CHECK(report.at("stack_0001").at("error").find("exposure_1.png") != std::string::npos);
  CHECK(report.at("stack_0002").at("error").find("exposure_2.png") != std::string::npos);
}

TEST_CASE("batch: CSV and JSON Lines manifests name the outputs by id") {
  temp_dir t("batch");
  make_stacks(t.path / "in", 2, "64x48");
  const fs::path s0 = t.path / "in" / "stack_0000", s1 = t.path / "in" / "stack_0001";
  const auto times0 = io::read_exposures(s0 / "exposures.txt");
  const auto times1 = io::read_exposures(s1 / "exposures.txt");
  {
    std::ofstream csv(t.path / "m.csv");
    csv << "id,image,time\n";
    for (const auto& e : times0) csv << "alpha,in/stack_0000/" << e.file << "," << e.seconds << "\n";
  }
  {
    std::ofstream jl(t.path / "m.jsonl");
    jl << "{\"id\": \"beta\", \"images\": [";
    for (std::size_t i = 0; i < times1.size(); ++i) jl << (i ? ", " : "") << "\"" << (s1 / times1[i].file).string() << "\"";
    jl << "], \"times\": [";
    for (std::size_t i = 0; i < times1.size(); ++i) jl << (i ? ", " : "") << times1[i].seconds;
    jl << "]}\n";
  }
  const run_result a = cli("batch " + (t.path / "m.csv").string() + " -o " + (t.path / "out").string() + " --quiet --device cpu");
  REQUIRE_MESSAGE(a.code == 0, a.output);
  const run_result b = cli("batch " + (t.path / "m.jsonl").string() + " -o " + (t.path / "out").string() +
                           " --quiet --device cpu --report " + (t.path / "b.jsonl").string());
  REQUIRE_MESSAGE(b.code == 0, b.output);
  const image<float> alpha = io::read_radiance(t.path / "out" / "alpha.exr");
  const image<float> want0 = expected_debevec(s0);
  REQUIRE(alpha.size() == want0.size());
  CHECK(hdrgpu_test::max_rel_diff(alpha.data(), want0.data(), alpha.size()) == 0.0);
  const image<float> beta = io::read_radiance(t.path / "out" / "beta.exr");
  const image<float> want1 = expected_debevec(s1);
  REQUIRE(beta.size() == want1.size());
  CHECK(hdrgpu_test::max_rel_diff(beta.data(), want1.data(), beta.size()) == 0.0);
  const auto lines = read_report(t.path / "b.jsonl");
  REQUIRE(lines.size() == 1);
  CHECK(unquote(lines[0].at("stack")) == "beta");
}

TEST_CASE("batch: shards cover every stack exactly once, explicitly and from launcher variables") {
  temp_dir t("batch");
  make_stacks(t.path / "in", 7, "48x32");
  const std::string base = "batch " + (t.path / "in").string() + " --quiet --format pfm -o ";
  std::multiset<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    const run_result r = cli(base + (t.path / "out").string() + " --shard " + std::to_string(i) + "/3");
    REQUIRE_MESSAGE(r.code == 0, r.output);
    for (const auto& l : read_report(t.path / "out" / ("report." + std::to_string(i) + "-of-3.jsonl")))
      seen.insert(unquote(l.at("stack")));
  }
  CHECK(seen.size() == 7);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 7);
  // OpenMPI's variables select the shard when --shard is absent.
  std::multiset<std::string> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    const std::string env = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank) + " OMPI_COMM_WORLD_SIZE=2";
    const run_result r = cli(base + (t.path / "mpi").string(), env);
    REQUIRE_MESSAGE(r.code == 0, r.output);
    for (const auto& l : read_report(t.path / "mpi" / ("report." + std::to_string(rank) + "-of-2.jsonl")))
      ranks.insert(unquote(l.at("stack")));
  }
  CHECK(ranks.size() == 7);
  CHECK(std::set<std::string>(ranks.begin(), ranks.end()).size() == 7);
}

TEST_CASE("batch: under mpirun every stack is processed exactly once across ranks") {
  if (std::system("command -v mpirun > /dev/null 2>&1") != 0) {
    if (hdrgpu_test::in_ci()) FAIL("mpirun not found; scripts/install-deps.sh installs openmpi-bin");
    hdrgpu_test::mark_skipped("mpirun not found (install openmpi-bin)");
    return;
  }
  temp_dir t("batch");
  make_stacks(t.path / "in", 5, "48x32");
  const run_result r = cli("--version");  // warm-up, and proves the path works outside mpirun
  REQUIRE(r.code == 0);
  // plm isolated: single-node launch without ssh/rsh, which a bare CI machine may not have.
  const std::string cmd = "mpirun --mca plm isolated -np 2 --oversubscribe " + std::string(HDRGPU_CLI_PATH) + " batch " +
                          (t.path / "in").string() + " -o " + (t.path / "out").string() + " --quiet --format pfm 2>&1";
  FILE* p = popen(("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 " + cmd).c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = pclose(p);
  REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0), out);
  std::multiset<std::string> seen;
  for (int rank = 0; rank < 2; ++rank)
    for (const auto& l : read_report(t.path / "out" / ("report." + std::to_string(rank) + "-of-2.jsonl"))) {
      CHECK(unquote(l.at("status")) == "ok");
      seen.insert(unquote(l.at("stack")));
    }
  CHECK(seen.size() == 5);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 5);
}

TEST_CASE("batch: a run killed with SIGKILL and rerun writes every stack exactly once") {
  temp_dir t("batch");
  const int n = 10;
  make_stacks(t.path / "in", n, "480x360", 4);
  const std::string args = "batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() +
                           " --quiet --readers 1 --threads 1 --device cpu";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string cmd = std::string(HDRGPU_CLI_PATH) + " " + args + " > /dev/null 2>&1";
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Kill it once some, but not all, outputs exist.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto finished = [&] {
    int c = 0;
    for (int i = 0; i < n; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "stack_%04d.exr", i);
      c += fs::exists(t.path / "out" / name) ? 1 : 0;
    }
    return c;
  };
  while (finished() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const int before = finished();
  CHECK(before >= 2);
  CHECK_MESSAGE(before < n, "the run finished before it could be killed; make the stacks larger");
  // Whatever exists under a final name is complete.
  for (const auto& e : fs::directory_iterator(t.path / "out"))
    if (e.path().extension() == ".exr" && e.path().filename().string()[0] != '.')
      CHECK_NOTHROW((void)io::read_radiance(e.path()));

  const run_result r = cli(args);
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const auto report = by_stack(read_report(t.path / "out" / "report.jsonl"));
  CHECK(report.size() == std::size_t(n));
  int ok = 0, skipped = 0;
  for (const auto& [id, l] : report) (unquote(l.at("status")) == "ok" ? ok : skipped)++;
  CHECK(skipped == before);
  CHECK(ok == n - before);
  CHECK(finished() == n);
  for (const auto& e : fs::directory_iterator(t.path / "out")) {
    const std::string name = e.path().filename().string();
    CHECK_MESSAGE(name.find(".tmp-") == std::string::npos, "leftover temporary " << name);
    if (e.path().extension() == ".exr") {
      const image<float> got = io::read_radiance(e.path());
      const image<float> want = expected_debevec(t.path / "in" / e.path().stem());
      REQUIRE(got.size() == want.size());
      CHECK(hdrgpu_test::max_rel_diff(got.data(), want.data(), got.size()) == 0.0);
    }
  }
}

TEST_CASE("batch: memory in flight stays within the budget") {
  check_memory_budget("cpu");
}

// Exposure times so short that the radiance overflows f32: the output holds infinities. Such a stack is
// not "ok": it fails and is not written, unless --keep-nonfinite writes it with status "warning".
TEST_CASE("batch: an output with NaN or infinite values fails its stack unless --keep-nonfinite") {
  temp_dir t("batch");
  make_stacks(t.path / "in", 2, "48x32", 3, 4);
  scale_times(t.path / "in" / "stack_0001", 1e-40);
  const std::string cmd = "batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() + " --quiet --format pfm --device cpu";
  const run_result r = cli(cmd);
  CHECK(r.code == 1);
  auto report = by_stack(read_report(t.path / "out" / "report.jsonl"));
  CHECK(unquote(report.at("stack_0000").at("status")) == "ok");
  CHECK(unquote(report.at("stack_0001").at("status")) == "error");
  CHECK(report.at("stack_0001").at("error").find("NaN or infinite") != std::string::npos);
  CHECK(std::stoul(report.at("stack_0001").at("nonfinite")) > 0);
  CHECK(fs::exists(t.path / "out" / "stack_0000.pfm"));
  CHECK_FALSE(fs::exists(t.path / "out" / "stack_0001.pfm"));

  const run_result kept = cli(cmd + " --keep-nonfinite --report " + (t.path / "kept.jsonl").string());
  CHECK_MESSAGE(kept.code == 0, kept.output);
  report = by_stack(read_report(t.path / "kept.jsonl"));
  CHECK(unquote(report.at("stack_0000").at("status")) == "skipped");
  CHECK(unquote(report.at("stack_0001").at("status")) == "warning");
  CHECK(fs::exists(t.path / "out" / "stack_0001.pfm"));
}

// Stacks that merge but cannot mean much are written and flagged, in the report and on stderr.
TEST_CASE("batch: one image, equal times and a fully clipped stack are flagged as warnings") {
  temp_dir t("batch");
  make_stacks(t.path / "in", 4, "40x30", 3, 6);
  const auto rewrite = [&](const char* id, const std::function<std::string(const std::vector<std::string>&)>& body) {
    const fs::path list = t.path / "in" / id / "exposures.txt";
    std::ifstream in(list);
    std::vector<std::string> files;
    for (std::string line; std::getline(in, line);) {
      std::istringstream fields(line);
      std::string file;
      if (line.rfind('#', 0) != 0 && fields >> file) files.push_back(file);
    }
    in.close();
    std::ofstream(list) << body(files);
  };
  rewrite("stack_0001", [](const auto& f) { return f[0] + " 0.01\n"; });
  rewrite("stack_0002", [](const auto& f) { return f[0] + " 0.01\n" + f[1] + " 0.01\n" + f[2] + " 0.01\n"; });
  // stack_0003: every image white, so no exposure measures any pixel.
  for (const auto& e : fs::directory_iterator(t.path / "in" / "stack_0003"))
    if (e.path().extension() == ".png") {
      const image<std::uint8_t> white = [] {
        image<std::uint8_t> w(40, 30, 3);
        std::fill(w.data(), w.data() + w.size(), std::uint8_t(255));
        return w;
      }();
      io::write_ldr(e.path(), white.view());
    }
  const run_result r = cli("batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() +
                           " --quiet --format pfm --device cpu --method robertson --keep-nonfinite");
  const auto report = by_stack(read_report(t.path / "out" / "report.jsonl"));
  CHECK(report.at("stack_0000").at("warnings") == "[]");
  CHECK(report.at("stack_0001").at("warnings").find("one image") != std::string::npos);
  CHECK(report.at("stack_0002").at("warnings").find("all exposure times are equal") != std::string::npos);
  CHECK(report.at("stack_0003").at("warnings").find("every pixel is clipped") != std::string::npos);
  for (const char* id : {"stack_0001", "stack_0002", "stack_0003"})
    CHECK(r.output.find("warning: stack '" + std::string(id) + "'") != std::string::npos);
  CHECK(r.output.find("warning: stack 'stack_0000'") == std::string::npos);
}

TEST_CASE("batch: exr-half clamps radiance beyond half's range, counts it and warns once per stack") {
  check_half_clamping("cpu", 0.0);
}

TEST_CASE("batch: a folder without exposures.txt takes EXIF times and turns phone shots upright") {
  HDRGPU_REQUIRE_DATA("window-handheld");
  const fs::path src = hdrgpu_test::data_root() / "window-handheld";
  temp_dir t("batch");
  const fs::path stack = t.path / "in" / "window";
  fs::create_directories(stack);
  const auto listed = io::read_exposures(src / "exposures.txt");
  for (const auto& e : listed) fs::create_symlink(src / e.file, stack / e.file);  // the JPEGs, not the list
  const run_result r = cli("batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() +
                           " --quiet --format pfm");
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const auto lines = read_report(t.path / "out" / "report.jsonl");
  REQUIRE(lines.size() == 1);
  CHECK(unquote(lines[0].at("exposure_source")) == "exif");
  CHECK(lines[0].at("width") == "2448");  // stored 3264x2448 with Orientation 6
  CHECK(lines[0].at("height") == "3264");
  CHECK(lines[0].at("nonfinite") == "0");
  // The report's times are the EXIF rationals, as f32, in file-name order (= the listed order here).
  std::string want = "[";
  for (std::size_t i = 0; i < listed.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", double(float(listed[i].seconds)));
    want += (i ? ", " : "") + std::string(buf);
  }
  CHECK(lines[0].at("times") == want + "]");

  const run_result raw = cli("batch " + (t.path / "in").string() + " -o " + (t.path / "raw").string() +
                             " --quiet --format pfm --ignore-orientation");
  REQUIRE_MESSAGE(raw.code == 0, raw.output);
  const auto raw_lines = read_report(t.path / "raw" / "report.jsonl");
  REQUIRE(raw_lines.size() == 1);
  CHECK(raw_lines[0].at("width") == "3264");
  CHECK(raw_lines[0].at("height") == "2448");
}

TEST_CASE("batch: usage errors exit 2") {
  CHECK(cli("batch").code == 2);
  CHECK(cli("batch in").code == 2);
  CHECK(cli("batch in -o out --format tiff").code == 2);
  CHECK(cli("batch in -o out --shard 3/3").code == 2);
  CHECK(cli("batch in -o out --memory lots").code == 2);
  CHECK(cli("batch in -o out --device gpu").code == 2);
  CHECK(cli("batch in -o out --response maybe").code == 2);
}

TEST_CASE("batch: --device cuda without a device fails clearly") {
  const std::string env = hdrgpu_test::no_device_env();  // emulated builds hide their device from the child
  if (env.empty() && cuda_available()) {
    hdrgpu_test::mark_skipped("a CUDA device is present");
    return;
  }
  temp_dir t("batch");
  make_stacks(t.path / "in", 1, "32x32");
  const std::string args = "batch " + (t.path / "in").string() + " -o " + (t.path / "out").string();
  const run_result r = cli(args + " --device cuda", env);
  CHECK(r.code == 1);
  const std::string why = hdrgpu_test::no_device_reason();
  CHECK(r.output.find(why) != std::string::npos);
  CHECK_FALSE(fs::exists(t.path / "out"));
  const run_result automatic = cli(args + " --quiet", env);
  CHECK_MESSAGE(automatic.code == 0, automatic.output);
  CHECK(automatic.output.find("--device auto: running on the CPU: " + why) != std::string::npos);
}

}  // TEST_SUITE("batch")

// The same end-to-end checks on the GPU (`--device cuda`), at the tolerances of a real GPU.
TEST_SUITE("gpu") {

TEST_CASE("batch on CUDA: a folder of stacks gives the library's results and a complete report") {
  HDRGPU_REQUIRE_GPU(gpu);
  check_folder_of_stacks("cuda", hdrgpu_test::gpu_merge_tol);
}

TEST_CASE("batch on CUDA: Robertson and Mertens outputs equal the library's") {
  HDRGPU_REQUIRE_GPU(gpu);
  check_robertson_and_mertens("cuda", robertson_sums::exact, hdrgpu_test::gpu_merge_tol);
}

// exr-half and hdr: the GPU converts the map and only the encoded image comes back; the files decode to
// the CPU run's within one step of the encoding (a sample near a rounding boundary may round the other way).
TEST_CASE("batch on CUDA: exr-half and hdr are encoded on the GPU and match the CPU's files") {
  HDRGPU_REQUIRE_GPU(gpu);
  temp_dir t("batch");
  make_stacks(t.path / "in", 2, "96x64", 4, 3);
  for (const std::string format : {"exr-half", "hdr"}) {
    CAPTURE(format);
    const std::string ext = format == "hdr" ? ".hdr" : ".exr";
    const double step = format == "hdr" ? 1.0 / 128 : 1.0 / 512;  // per pixel, of its largest component
    for (const char* device : {"cpu", "cuda"}) {
      const run_result r = cli("batch " + (t.path / "in").string() + " -o " + (t.path / (format + device)).string() +
                               " --quiet --format " + format + " --device " + device);
      REQUIRE_MESSAGE(r.code == 0, r.output);
    }
    for (const auto& l : read_report(t.path / (format + "cuda") / "report.jsonl")) {
      CHECK(unquote(l.at("status")) == "ok");
      CHECK(l.at("nonfinite") == "0");
    }
    for (const std::string id : {"stack_0000", "stack_0001"}) {
      CAPTURE(id);
      const image<float> gpu_map = io::read_radiance(t.path / (format + "cuda") / (id + ext));
      const image<float> cpu_map = io::read_radiance(t.path / (format + "cpu") / (id + ext));
      REQUIRE(gpu_map.size() == cpu_map.size());
      double worst = 0;
      for (std::size_t p = 0; p < cpu_map.pixels(); ++p) {
        double big = 0;
        for (int c = 0; c < 3; ++c) big = std::max(big, std::abs(double(cpu_map.data()[p * 3 + c])));
        for (int c = 0; c < 3; ++c)
          worst = std::max(worst, std::abs(double(gpu_map.data()[p * 3 + c]) - cpu_map.data()[p * 3 + c]) / std::max(big, 1e-30));
      }
      MESSAGE(format << " " << id << ": largest difference " << worst << " of a pixel's largest component");
      CHECK(worst <= step);
    }
  }
}

TEST_CASE("batch on CUDA: exr-half clamps radiance beyond half's range, counts it and warns once per stack") {
  HDRGPU_REQUIRE_GPU(gpu);
  check_half_clamping("cuda", 0.01);  // a sample within float rounding of 65504 may land on either side
}

TEST_CASE("batch on CUDA: memory in flight stays within the budget") {
  HDRGPU_REQUIRE_GPU(gpu);
  check_memory_budget("cuda");
}

}  // TEST_SUITE("gpu")
