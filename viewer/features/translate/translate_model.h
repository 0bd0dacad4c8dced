// The Translate panel's model: the canvas drawn into, the translation shown, and the panel's intents. GL thread only.
#pragma once

#include <string>

#include "viewer/widgets/canvas.h"
#include "viewer/widgets/image_ref.h"

namespace ganscope {

struct TranslateModel {
    bool active = false;                  // a pix2pix model (trained or opened): the Translate panel shows
    Canvas canvas;                        // edited by the panel; the App sends it when its revision changes
    CanvasBrush brush;
    bool split_view = false;              // one square split by a slider instead of side by side
    float split = 0.5f;
    std::string load_path, checkpoint_path, save_path = "translation.png";
    bool load = false, open_checkpoint = false, save = false;  // intents
    // Filled by the App.
    ImageRef canvas_image, output_image;
    std::string description;              // which translator, from which step or file
    bool needs_colour = false, output_ascii = false;
    bool pending = false;                 // the canvas changed since the shown output
    double inference_ms = 0;
    std::string message;                  // last success or error, shown in the panel
};

}  // namespace ganscope
