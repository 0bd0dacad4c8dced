# Writes OUT, a C++ file naming the commit the build came from (git describe, its date, and whether the tree had
# changes), only when that text changes, so a build recompiles it only after a commit or an edit of the tree's state.
# cmake -DSOURCE_DIR=... -DOUT=... -P version_stamp.cmake
set(commit "unknown commit (not a git checkout)")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" log -1 --format=%h\ %cs
                  OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0 AND head)
    execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    string(REPLACE " " ", " head "${head}")
    set(commit "commit ${head}")
    if(dirty)
      set(commit "${commit}, with uncommitted changes")
    endif()
  endif()
endif()
set(text "// Made by viewer/version_stamp.cmake at build time.\nnamespace ganscope {\nconst char* build_commit() { return \"${commit}\"; }\n}  // namespace ganscope\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
