// The Performance panel's model: frame times, uploads and how frames reach the screen. GL thread only.
#pragma once

#include <string>
#include <vector>

namespace ganscope {

struct PerformanceModel {
    std::vector<double> frame_ms;     // recent, oldest first
    double drawn_fraction = 0;        // share of the window's pixels drawn per frame, recent mean
    double grid_upload_ms = 0, latent_upload_ms = 0;
    bool interop = false;
    std::string interop_note;
    std::string gl, device_mode;      // "GL 4.5 on llvmpipe", "training on cpu"
    std::string present;              // how frames reach the screen (GlInfo::present)
    std::string render_size;          // "1280x800 px, scale 1.0"
    double explorer_ms = 0;           // the explorer's last inference
};

}  // namespace ganscope
