// Runs the parent's library: a merge through hdrgpu built as part of this project.
#include <cmath>
#include <cstdio>

float parent_radiance();

int main() {
  const float r = parent_radiance();
  if (std::abs(r - 64.0f) > 1e-3f) {
    std::fprintf(stderr, "unexpected radiance %g\n", double(r));
    return 1;
  }
  std::puts("hdrgpu embedded ok");
  return 0;
}
