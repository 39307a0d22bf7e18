// `hdrgpu batch` under faults, with real processes and files: special files among the inputs,
// decompression bombs, odd folder names, two runs on one OUT_DIR, temporaries of dead runs, reruns
// appending to the report, SIGINT/SIGTERM, a full disk (a real tmpfs where the machine allows it),
// thread and launcher limits.
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include <hdrgpu/io.hpp>

#include "cli_support.hpp"

using namespace hdrgpu;
using namespace hdrgpu_test::tool;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::map<std::string, json_line> rows_by_stack(const fs::path& report) {
  std::map<std::string, json_line> m;
  for (auto& l : read_report(report)) m[unquote(l.at("stack"))] = l;
  return m;
}

/// Starts the tool with `args` in the background (output to `log`); returns its pid.
pid_t spawn(const std::string& args, const fs::path& log) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string cmd = "exec " + std::string(HDRGPU_CLI_PATH) + " " + args + " > " + log.string() + " 2>&1";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

int count_outputs(const fs::path& dir, const std::string& ext) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ext && e.path().filename().string()[0] != '.') ++n;
  return n;
}

std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (contains(e.path().filename().string(), ".tmp-")) out.push_back(e.path().filename().string());
  return out;
}

/// Waits until `dir` holds at least `n` outputs with `ext` (or 60 s pass).
void wait_for_outputs(const fs::path& dir, const std::string& ext, int n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count_outputs(dir, ext) < n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

/// Every line of the file is one whole JSON object (starts with '{', ends with '}').
void check_whole_lines(const fs::path& report) {
  std::ifstream in(report, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK((all.empty() || all.back() == '\n'));
  std::size_t start = 0;
  while (start < all.size()) {
    const std::size_t nl = all.find('\n', start);
    const std::string line = all.substr(start, nl - start);
    CHECK_MESSAGE((line.size() >= 2 && line.front() == '{' && line.back() == '}'), "torn line: " << line);
    start = nl == std::string::npos ? all.size() : nl + 1;
  }
}

}  // namespace

TEST_SUITE("batch.faults") {
  TEST_CASE("batch: special files, /dev/zero and bombs among the inputs fail their own stacks only") {
    temp_dir t("faults");
    const fs::path in = t.path / "in";
    make_stacks(in, 6, "48x32");
    fs::remove(in / "stack_0001" / "exposure_1.png");
    REQUIRE(::mkfifo((in / "stack_0001" / "exposure_1.png").c_str(), 0600) == 0);
    fs::remove(in / "stack_0002" / "exposure_2.png");
    fs::create_symlink("/dev/zero", in / "stack_0002" / "exposure_2.png");
    fs::remove(in / "stack_0003" / "exposures.txt");
    fs::create_symlink("/dev/zero", in / "stack_0003" / "exposures.txt");
    {  // stack_0004: a PNG whose header claims 17000 x 17000 (stb ignores the CRC)
      std::ifstream f(in / "stack_0004" / "exposure_0.png", std::ios::binary);
      std::vector<char> png((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      const unsigned char claim[4] = {0x00, 0x00, 0x42, 0x68};  // 17000, big-endian, as width and height
      for (int k = 0; k < 4; ++k) png[16 + k] = png[20 + k] = char(claim[k]);
      std::ofstream(in / "stack_0004" / "exposure_0.png", std::ios::binary).write(png.data(), std::streamsize(png.size()));
    }
    // A folder name with a newline and an escape: that stack fails alone.
    fs::create_directories(in / "bad\nname\x1b");
    fs::copy(in / "stack_0005", in / "bad\nname\x1b", fs::copy_options::recursive);

    const auto t0 = std::chrono::steady_clock::now();
    const run_result r = cli("batch " + in.string() + " -o " + (t.path / "out").string() + " --quiet --device cpu --format pfm");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60));
    CHECK_MESSAGE(r.code == 1, r.output);
    const auto rows = rows_by_stack(t.path / "out" / "report.jsonl");
    REQUIRE(rows.size() == 7);
    CHECK(unquote(rows.at("stack_0000").at("status")) == "ok");
    CHECK(unquote(rows.at("stack_0005").at("status")) == "ok");
    const auto error = [&](const std::string& id) { return rows.at(id).at("error"); };
    CHECK(contains(error("stack_0001"), "stack 'stack_0001': exposure_1.png: is a FIFO (named pipe), not a regular file"));
    CHECK(contains(error("stack_0002"), "exposure_2.png: is a character device"));
    CHECK(contains(error("stack_0003"), "exposures.txt: is a character device"));
    CHECK(contains(error("stack_0004"), "exposure_0.png: the header says 17000x17000"));
    CHECK(contains(error("stack_0004"), "(--max-pixels)"));
    // The report escapes the name as JSON; messages show the bytes as \xNN.
    REQUIRE(rows.count("bad\\nname\\u001b"));
    CHECK(contains(rows.at("bad\\nname\\u001b").at("error"), "bad\\\\x0aname\\\\x1b': the name has control characters"));
    check_whole_lines(t.path / "out" / "report.jsonl");
    CHECK(count_outputs(t.path / "out", ".pfm") == 2);

    // --max-pixels: settable, validated.
    const run_result tight = cli("batch " + in.string() + " -o " + (t.path / "o2").string() +
                                 " --quiet --device cpu --format pfm --max-pixels 1000");
    CHECK(tight.code == 1);
    CHECK(contains(rows_by_stack(t.path / "o2" / "report.jsonl").at("stack_0000").at("error"),
                   "48x32 = 1536 pixels, more than the limit of 1000"));
    CHECK(cli("batch " + in.string() + " -o " + (t.path / "o3").string() + " --max-pixels lots").code == 2);
  }

  TEST_CASE("batch: a second run on the same OUT_DIR is refused while the first runs, and both stay intact") {
    temp_dir t("faults");
    const int n = 8;
    make_stacks(t.path / "in", n, "480x360", 4);
    const std::string args = "batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() +
                             " --quiet --readers 1 --threads 1 --device cpu";
    const pid_t first = spawn(args, t.path / "first.log");
    wait_for_outputs(t.path / "out", ".exr", 1);
    const run_result second = cli(args);
    int status = 0;
    REQUIRE(::waitpid(first, &status, 0) == first);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(second.code == 1);
    CHECK(contains(second.output, "is in use by another run (pid " + std::to_string(first) + " on host"));
    CHECK(count_outputs(t.path / "out", ".exr") == n);
    CHECK(temporaries(t.path / "out").empty());
    // The refused run wrote nothing to the report: one run header, n rows.
    const auto lines = read_report_lines(t.path / "out" / "report.jsonl");
    CHECK(std::count_if(lines.begin(), lines.end(), [](const json_line& l) { return l.count("run") > 0; }) == 1);
    CHECK(read_report(t.path / "out" / "report.jsonl").size() == std::size_t(n));
    // The lock of a finished run is stale: the next run proceeds (and skips everything).
    const run_result third = cli(args);
    CHECK_MESSAGE(third.code == 0, third.output);
  }

  TEST_CASE("batch: only temporaries whose writer is dead are removed, in any output format") {
    temp_dir t("faults");
    make_stacks(t.path / "in", 2, "48x32");
    const fs::path out = t.path / "out";
    fs::create_directories(out);
    // A pid that is certainly dead: a child that has exited and been reaped.
    const pid_t dead = ::fork();
    if (dead == 0) ::_exit(0);
    ::waitpid(dead, nullptr, 0);
    const std::string d = std::to_string(dead), live = std::to_string(::getpid());
    for (const std::string& name : std::vector<std::string>{".stack_0000.exr.tmp-" + d + "-0", ".stack_0001.hdr.tmp-" + d + "-3",
                                   ".stack_0001.png.tmp-" + d + "-4", ".stack_0000.exr.tmp-" + live + "-0",
                                   ".other.exr.tmp-" + d + "-0"})
      std::ofstream(out / name) << "partial";
    const run_result r = cli("batch " + (t.path / "in").string() + " -o " + out.string() + " --device cpu --quiet");
    CHECK_MESSAGE(r.code == 0, r.output);
    CHECK(contains(r.output, "removed 3 temporary files left by an earlier run"));
    auto left = temporaries(out);
    std::sort(left.begin(), left.end());
    // A live writer's temporary stays, and so does one of a stack this run does not own.
    CHECK(left == std::vector<std::string>{".other.exr.tmp-" + d + "-0", ".stack_0000.exr.tmp-" + live + "-0"});
  }

  TEST_CASE("batch: a rerun appends to the report, skipped rows claim nothing, and links are refused") {
    temp_dir t("faults");
    make_stacks(t.path / "in", 3, "48x32");
    fs::remove(t.path / "in" / "stack_0002" / "exposures.txt");  // fails: no times
    const std::string cmd = "batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() + " --quiet --device cpu";
    CHECK(cli(cmd).code == 1);
    // A crash mid-line in an earlier run: the torn line is dropped when the next run opens the report.
    { std::ofstream(t.path / "out" / "report.jsonl", std::ios::app) << "{\"stack\": \"torn"; }
    CHECK(cli(cmd).code == 1);
    check_whole_lines(t.path / "out" / "report.jsonl");
    const auto lines = read_report_lines(t.path / "out" / "report.jsonl");
    REQUIRE(lines.size() == 10);  // per run: header, 3 rows, footer
    CHECK(lines[0].count("run"));
    CHECK(lines[5].count("run"));
    CHECK(contains(lines[0].at("run"), "\"stacks\": 3"));
    CHECK(contains(lines[9].at("run_end"), "\"ok\": 0, \"skipped\": 2, \"failed\": 1"));
    int first_ok = 0;
    for (int i = 1; i <= 3; ++i) first_ok += unquote(lines[i].at("status")) == "ok";
    CHECK(first_ok == 2);  // the first run's results are still there
    for (const auto& [id, row] : rows_by_stack(t.path / "out" / "report.jsonl")) {
      CAPTURE(id);
      if (unquote(row.at("status")) != "skipped") continue;
      CHECK(row.at("nonfinite") == "null");
      CHECK(row.at("clamped") == "null");
    }

    // --report through a symbolic link: refused before anything is written; the link's target is untouched.
    std::ofstream(t.path / "precious.txt") << "keep me\n";
    fs::create_symlink(t.path / "precious.txt", t.path / "link.jsonl");
    const run_result linked = cli(cmd + " --overwrite --report " + (t.path / "link.jsonl").string());
    CHECK(linked.code == 1);
    CHECK(contains(linked.output, "is a symbolic link"));
    std::ifstream p(t.path / "precious.txt");
    std::string text((std::istreambuf_iterator<char>(p)), std::istreambuf_iterator<char>());
    CHECK(text == "keep me\n");
  }

  TEST_CASE("batch: SIGINT and SIGTERM finish what is in flight, leave no temporaries, exit 130 and 143") {
    for (const int sig : {SIGINT, SIGTERM}) {
      CAPTURE(sig);
      temp_dir t("faults");
      const int n = 12;
      make_stacks(t.path / "in", n, "480x360", 4);
      const std::string args = "batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() +
                               " --readers 1 --threads 1 --device cpu --memory 8M";
      const pid_t pid = spawn(args, t.path / "log");
      wait_for_outputs(t.path / "out", ".exr", 1);
      ::kill(pid, sig);
      int status = 0;
      REQUIRE(::waitpid(pid, &status, 0) == pid);
      REQUIRE(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 128 + sig);
      std::ifstream logf(t.path / "log");
      const std::string log((std::istreambuf_iterator<char>(logf)), std::istreambuf_iterator<char>());
      CHECK(contains(log, "stopped by a signal"));
      CHECK(contains(log, "report: "));
      CHECK(temporaries(t.path / "out").empty());
      check_whole_lines(t.path / "out" / "report.jsonl");
      const auto lines = read_report_lines(t.path / "out" / "report.jsonl");
      REQUIRE(!lines.empty());
      REQUIRE(lines.back().count("run_end"));
      CHECK(contains(lines.back().at("run_end"), "\"interrupted\": true"));
      const int done = count_outputs(t.path / "out", ".exr");
      CHECK(done < n);
      CHECK(read_report(t.path / "out" / "report.jsonl").size() == std::size_t(done));
      // The rerun completes the rest.
      const run_result again = cli(args + " --quiet");
      CHECK_MESSAGE(again.code == 0, again.output);
      CHECK(count_outputs(t.path / "out", ".exr") == n);
    }
  }

  TEST_CASE("batch: a second signal ends the run at once and still removes the temporaries") {
    temp_dir t("faults");
    make_stacks(t.path / "in", 8, "1200x900", 3);
    const std::string args = "batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() +
                             " --quiet --readers 2 --threads 1 --device cpu --format pfm";
    const pid_t pid = spawn(args, t.path / "log");
    wait_for_outputs(t.path / "out", ".pfm", 1);
    ::kill(pid, SIGINT);
    ::kill(pid, SIGINT);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    // Either the process died of the second signal, or it had already finished its graceful stop.
    CHECK((WIFSIGNALED(status) ? WTERMSIG(status) == SIGINT : WEXITSTATUS(status) == 130));
    CHECK(temporaries(t.path / "out").empty());
    for (const auto& e : fs::directory_iterator(t.path / "out"))
      if (e.path().extension() == ".pfm") CHECK_NOTHROW((void)io::read_radiance(e.path()));
  }

  TEST_CASE("batch: a full disk fails the stacks it hits with the OS's reason, and a rerun after freeing space completes") {
    temp_dir t("faults");
    const fs::path out = t.path / "out";
    fs::create_directories(out);
    if (::mount("tmpfs", out.c_str(), "tmpfs", 0, "size=3m") != 0) {
      MESSAGE("skipped: cannot mount a tmpfs here (" << std::strerror(errno) << "); needs root or CAP_SYS_ADMIN");
      return;
    }
    struct unmount {
      fs::path p;
      ~unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } guard{out};
    const int n = 10;
    make_stacks(t.path / "in", n, "320x240", 3);  // 900 KiB per PFM: three fit in 3 MiB
    const std::string cmd = "batch " + (t.path / "in").string() + " -o " + out.string() + " --quiet --device cpu --format pfm";
    const run_result full = cli(cmd);
    CAPTURE(full.output);
    CHECK(full.code == 1);
    CHECK(temporaries(out).empty());
    check_whole_lines(out / "report.jsonl");
    const int written = count_outputs(out, ".pfm");
    CHECK(written < n);
    int no_space = 0;
    for (const auto& [id, row] : rows_by_stack(out / "report.jsonl"))
      if (unquote(row.at("status")) == "error") {
        CHECK(contains(row.at("error"), "No space left on device"));
        CHECK(contains(row.at("error"), "stack '" + id + "'"));
        ++no_space;
      }
    // Rows that did not fit are missing from the report, never torn; their stacks have no output either.
    CHECK(no_space + written <= n);
    for (const auto& e : fs::directory_iterator(out))
      if (e.path().extension() == ".pfm") CHECK_NOTHROW((void)io::read_radiance(e.path()));

    REQUIRE(::mount("tmpfs", out.c_str(), "tmpfs", MS_REMOUNT, "size=64m") == 0);
    const run_result again = cli(cmd);
    CHECK_MESSAGE(again.code == 0, again.output);
    CHECK(count_outputs(out, ".pfm") == n);
    int skipped = 0;
    for (const auto& [id, row] : rows_by_stack(out / "report.jsonl")) skipped += unquote(row.at("status")) == "skipped";
    CHECK(skipped == written);
  }

  TEST_CASE("batch: --threads and the launcher's environment are validated") {
    temp_dir t("faults");
    make_stacks(t.path / "in", 2, "32x24");
    const std::string cmd = "batch " + (t.path / "in").string() + " -o " + (t.path / "out").string() + " --quiet --device cpu";
    for (const char* bad : {"-1", "abc", "2x", "99999999999"}) {
      CAPTURE(bad);
      const run_result r = cli(cmd + " --threads " + bad);
      CHECK(r.code == 2);
      CHECK(contains(r.output, "--threads needs an integer >= 0"));
    }
    const run_result capped = cli(cmd + " --threads 100000");
    CHECK_MESSAGE(capped.code == 0, capped.output);
    CHECK(contains(capped.output, "--threads 100000 is more than"));
    CHECK(cli(cmd + " --overwrite --gpu-lanes 1000").code == 2);
    const run_result rank = cli(cmd + " --overwrite", "OMPI_COMM_WORLD_RANK=2 OMPI_COMM_WORLD_SIZE=2");
    CHECK(rank.code == 1);
    CHECK(contains(rank.output, "OMPI_COMM_WORLD_RANK=2, OMPI_COMM_WORLD_SIZE=2: the rank must be in 0..1"));
  }
}
