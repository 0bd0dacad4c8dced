// viewer_tests entry: doctest's main. The window tests draw headless through EGL (Mesa surfaceless on CI).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
