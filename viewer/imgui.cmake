# Dear ImGui (docking branch) and ImPlot, built here as one static library (ganscope_imgui): the ImGui core, the
# GLFW and OpenGL 3 backends, FreeType font rendering and ImPlot. The sources come from the imgui-bundle sdist
# pinned in scripts/imgui-bundle.txt, unpacked once by scripts/setup into the cache (docs/architecture.md).
file(STRINGS ${PROJECT_SOURCE_DIR}/scripts/imgui-bundle.txt _bundle REGEX "^[^#]")
string(REPLACE " " ";" _bundle "${_bundle}")
list(GET _bundle 0 GANSCOPE_IMGUI_BUNDLE_VERSION)
if(DEFINED ENV{GANSCOPE_CACHE})
  set(_cache "$ENV{GANSCOPE_CACHE}")
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(_cache "$ENV{XDG_CACHE_HOME}/ganscope/third_party")
else()
  set(_cache "$ENV{HOME}/.cache/ganscope/third_party")
endif()
set(GANSCOPE_IMGUI_BUNDLE_DIR "${_cache}/imgui-bundle-${GANSCOPE_IMGUI_BUNDLE_VERSION}" CACHE PATH
    "The unpacked imgui-bundle sources (imgui/ and implot/), as scripts/setup leaves them")
if(NOT EXISTS "${GANSCOPE_IMGUI_BUNDLE_DIR}/.complete")
  message(FATAL_ERROR "Dear ImGui sources not found at ${GANSCOPE_IMGUI_BUNDLE_DIR}: run scripts/setup, "
                      "which fetches imgui-bundle ${GANSCOPE_IMGUI_BUNDLE_VERSION} once")
endif()
set(_imgui ${GANSCOPE_IMGUI_BUNDLE_DIR}/imgui)
set(_implot ${GANSCOPE_IMGUI_BUNDLE_DIR}/implot)
pkg_check_modules(GLFW REQUIRED IMPORTED_TARGET glfw3)
add_library(ganscope_imgui STATIC
  ${_imgui}/imgui.cpp ${_imgui}/imgui_draw.cpp ${_imgui}/imgui_tables.cpp ${_imgui}/imgui_widgets.cpp
  ${_imgui}/imgui_demo.cpp ${_imgui}/imgui_stacklayout.cpp ${_imgui}/backends/imgui_impl_glfw.cpp ${_imgui}/backends/imgui_impl_opengl3.cpp
  ${_imgui}/misc/freetype/imgui_freetype.cpp ${_imgui}/misc/cpp/imgui_stdlib.cpp ${_implot}/implot.cpp ${_implot}/implot_items.cpp)
# SYSTEM: their warnings are not ours. The backends are included as <backends/imgui_impl_*.h>.
target_include_directories(ganscope_imgui SYSTEM PUBLIC ${_imgui} ${_imgui}/misc/cpp ${_implot})
target_compile_definitions(ganscope_imgui PUBLIC IMGUI_ENABLE_FREETYPE IMGUI_DISABLE_OBSOLETE_FUNCTIONS)
target_link_libraries(ganscope_imgui PUBLIC PkgConfig::GLFW PkgConfig::FREETYPE ${CMAKE_DL_LIBS})
file(STRINGS ${_implot}/implot.h _implot_version REGEX "^#define IMPLOT_VERSION ")
string(REGEX REPLACE ".*\"(.*)\".*" "\\1" GANSCOPE_IMPLOT_VERSION "${_implot_version}")
