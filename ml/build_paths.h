// Where this build came from: the source checkout and the Python (with torch) that configured it, for the reference
// scripts that benchmarks and tests run. Kept out of compile definitions so that one file, not every file, differs
// between two checkouts (ccache shares the rest). Any thread.
#pragma once

#include <string>

namespace ganscope {

// The checkout this binary was built from (its scripts/ and tests/python/).
const char* build_source_dir();
// $GANSCOPE_PYTHON when set, else the Python that configured the build (the project's .venv).
std::string reference_python();

}  // namespace ganscope
