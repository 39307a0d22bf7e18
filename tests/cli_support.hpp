// Helpers of the tests that run the hdrgpu tool: running it, temporary folders, stack folders, reports.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support.hpp"

namespace hdrgpu_test::tool {

namespace fs = std::filesystem;

struct run_result {
  int code;
  std::string output;  // stdout and stderr
};

/// Runs the hdrgpu tool with `args` (a shell word list; `env` is prefixed, e.g. "A=1 B=2").
inline run_result cli(const std::string& args, const std::string& env = "") {
  const std::string cmd = env + (env.empty() ? "" : " ") + std::string(HDRGPU_CLI_PATH) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), int(buf.size()), p)) out += buf.data();
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

struct peak_run {
  int code;
  double peak_mib;  // the child's own peak resident set
};

/// Runs the tool with `args` (output discarded; `env` as for cli) and returns its exit code and peak
/// resident memory.
inline peak_run cli_peak_rss(const std::string& args, const std::string& env = "") {
  const std::string cmd = "exec " + (env.empty() ? "" : "env " + env + " ") + std::string(HDRGPU_CLI_PATH) + " " + args +
                          " > /dev/null 2>&1";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  REQUIRE(::wait4(pid, &status, 0, &ru) == pid);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, double(ru.ru_maxrss) / 1024.0};
}

using hdrgpu_test::temp_dir;

/// `count` synthetic PNG stacks (stack_0000 ...) of `size` in `dir`, via `hdrgpu synth`.
inline void make_stacks(const fs::path& dir, int count, const std::string& size, int exposures = 3, int seed = 5) {
  const run_result r = cli("synth " + dir.string() + " --stacks " + std::to_string(count) + " --size " + size +
                           " --exposures " + std::to_string(exposures) + " --seed " + std::to_string(seed) +
                           " --format png");
  REQUIRE_MESSAGE(r.code == 0, r.output);
}

/// One report line as key -> raw JSON value text (strings keep their quotes).
using json_line = std::map<std::string, std::string>;

/// A tiny reader for the report's flat objects: top-level keys and their raw values.
inline json_line parse_line(const std::string& line) {
  json_line out;
  std::size_t i = 0;
  auto skip_ws = [&] { while (i < line.size() && (line[i] == ' ' || line[i] == ',')) ++i; };
  auto read_string = [&] {
    std::string s = "\"";
    ++i;
    while (i < line.size() && line[i] != '"') {
      if (line[i] == '\\') s += line[i++];
      s += line[i++];
    }
    ++i;
    return s + "\"";
  };
  if (line.empty() || line[0] != '{') return out;
  ++i;
  for (;;) {
    skip_ws();
    if (i >= line.size() || line[i] == '}') break;
    const std::string key = read_string();
    while (i < line.size() && (line[i] == ':' || line[i] == ' ')) ++i;
    std::string value;
    if (line[i] == '"') {
      value = read_string();
    } else {
      int depth = 0;
      const std::size_t start = i;
      while (i < line.size()) {
        const char c = line[i];
        if (c == '"') {
          (void)read_string();
          continue;
        }
        if (c == '[' || c == '{') ++depth;
        if (c == ']' || c == '}') {
          if (depth == 0) break;
          --depth;
        }
        if (c == ',' && depth == 0) break;
        ++i;
      }
      value = line.substr(start, i - start);
    }
    out[key.substr(1, key.size() - 2)] = value;
  }
  return out;
}

/// Every line of a report: each run's header ("run"), stack rows ("stack") and footer ("run_end").
inline std::vector<json_line> read_report_lines(const fs::path& file) {
  std::vector<json_line> lines;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(parse_line(line));
  return lines;
}

/// The stack rows of the last run in a report (each run appends a header line, then its rows).
inline std::vector<json_line> read_report(const fs::path& file) {
  std::vector<json_line> rows;
  for (auto& l : read_report_lines(file)) {
    if (l.count("run")) rows.clear();
    if (l.count("stack")) rows.push_back(std::move(l));
  }
  return rows;
}

inline std::string unquote(const std::string& v) {
  return v.size() >= 2 && v.front() == '"' ? v.substr(1, v.size() - 2) : v;
}

}  // namespace hdrgpu_test::tool
