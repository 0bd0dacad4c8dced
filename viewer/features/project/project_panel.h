// The Projection panel: an image file to project (or one dropped on the window), the options, the target beside
// the generator's reconstruction as it converges, steps and loss, and what to do with the found latent. Also the
// File > Project image dialog. GL thread only, inside an ImGui frame; writes intents, makes no GL calls.
#pragma once

#include "viewer/features/project/project_model.h"

namespace ganscope {

struct ProjectPanel {
    void draw(ProjectModel& model);
    // File > Project image: `open` opens the dialog this frame; it stays until started or cancelled.
    void draw_dialog(bool open, ProjectModel& model);
};

}  // namespace ganscope
