// Placeholder entry for the live window until the window lands; the window helper replaces this file.
#include <iostream>

#include "viewer/commands.h"

namespace ganscope {

int run_window(int, char**) {
    std::cerr << "ganscope: this build has no window yet; run `ganscope train --headless` (see --help)" << std::endl;
    return 2;
}

}  // namespace ganscope
