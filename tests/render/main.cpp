// render_tests entry: doctest's main. Tests here draw headless through EGL (Mesa surfaceless on CI).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
