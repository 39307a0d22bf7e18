// doctest main. A test case that skips itself (missing data, no GPU) is counted; when every test
// case that started skipped, the process exits with 77, which CTest reports as "skipped".
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "support.hpp"

namespace {
std::atomic<int> g_started{0};
std::atomic<int> g_skipped{0};

struct start_counter : doctest::IReporter {
  explicit start_counter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override { ++g_started; }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};
}  // namespace

DOCTEST_REGISTER_LISTENER("start_counter", 1, start_counter);

namespace hdrgpu_test {

std::filesystem::path data_root() {
  if (const char* env = std::getenv("HDRGPU_TEST_DATA"); env && *env) return env;
  return HDRGPU_DEFAULT_TEST_DATA;
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && (std::strcmp(ci, "true") == 0 || std::strcmp(ci, "1") == 0);
}

void mark_skipped(const std::string& why) {
  ++g_skipped;
  MESSAGE("SKIPPED: " << why);
  std::fprintf(stderr, "SKIPPED: %s\n", why.c_str());
}

bool have_data(const std::string& sub) {
  const auto p = data_root() / sub;
  if (std::filesystem::exists(p)) return true;
  const std::string why = "test data not found at " + p.string() + " (set HDRGPU_TEST_DATA)";
  if (in_ci()) {
    FAIL_CHECK(why << "; CI=true requires the data");
    return false;
  }
  mark_skipped(why);
  return false;
}

}  // namespace hdrgpu_test

int main(int argc, char** argv) {
  doctest::Context context;
  context.applyCommandLine(argc, argv);
  const int rc = context.run();
  if (context.shouldExit()) return rc;
  if (rc == 0 && g_started > 0 && g_skipped == g_started) return 77;
  return rc;
}
