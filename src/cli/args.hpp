// Minimal command-line parsing for the hdrgpu tool: positionals, `--name value` and flags.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace hdrgpu::cli {

/// A wrong command line; main() prints it with the usage and exits 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class args {
 public:
  /// Parses argv[first..]: `valued` options take the next word, `flags` take none; anything else
  /// starting with "--" is a usage error.
  args(int argc, char** argv, int first, const std::set<std::string>& valued, const std::set<std::string>& flags);

  const std::vector<std::string>& positional() const { return positional_; }
  bool has(const std::string& name) const { return values_.count(name) || flags_.count(name); }
  std::string get(const std::string& name, const std::string& fallback) const;
  int get_int(const std::string& name, int fallback, int min_value) const;
  double get_double(const std::string& name, double fallback) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
};

/// Parses "WxH" (e.g. 1024x768); throws usage_error.
void parse_size(const std::string& text, int& width, int& height);

int run_merge(int argc, char** argv);
int run_calibrate(int argc, char** argv);
int run_synth(int argc, char** argv);
int run_batch(int argc, char** argv);

}  // namespace hdrgpu::cli
