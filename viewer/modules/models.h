// The feature modules' models (viewer/modules): plain values a module fills before its panel draws and the intents
// the panel writes back, which the module acts on after. Each panel gets its own module's model (and the RunView,
// read-only, where it shows the run's state). GL thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "ml/run/metrics.h"
#include "ml/train/trainer.h"
#include "render/image_passes.h"
#include "viewer/sources/run_source.h"
#include "viewer/window/canvas.h"
#include "viewer/record/record_model.h"

namespace ganscope {

// A texture as ImGui sees it; panels draw it with ImGui::Image and never touch GL.
struct ImageRef {
    uint64_t texture = 0;  // the GL texture name, as ImTextureID
    int width = 0, height = 0;
    bool ready() const { return texture && width > 0 && height > 0; }
};

// Commands for the trainer, gathered over one frame.
struct TrainingIntents {
    bool start = false, pause = false, toggle = false, save = false, revert = false;
    int steps = 0;
    std::optional<std::pair<double, double>> learning_rates;
    std::optional<int> batch_size;
};

struct GridModel {
    // The whole grid at 1:1 (drawn by the grid shader from the images' texture array), drawn only for panels
    // that show it: one sets `whole_wanted` when it draws `image`, and the module redraws it before the next
    // frame if the images changed (a publish itself only uploads the floats).
    ImageRef image;
    mutable bool whole_wanted = false;
    ImageRef view_image;  // the panel's view of it: zoom, pan, hover frame, at the panel's pixel size
    ImageRef cell_image;  // the hovered cell (view.hover), pixel for pixel: the tooltip's picture
    int count = 0, columns = 0, cell = 0, padding = 2;  // cell: one sample's pixels
    int64_t step = -1;
    torch::Tensor latents;  // count x L, CPU: the fixed latents behind the cells
    GridView view;          // intent: the view the panel wants; the module draws it before the next frame
    std::vector<float> verdicts;  // the discriminator on each cell, while Inspect is visible; else empty
    bool verdict_probabilities = true;
    int64_t verdicts_step = -1;   // the grid they judged: the same fixed latents, maybe a publish or two older
};

struct ExplorerModel {
    // Edited by panels; the App turns them into the current latent.
    torch::Tensor base;                   // L, CPU
    std::vector<float> random_offsets;    // along random_directions
    std::vector<float> pca_offsets;       // along pca_directions
    float pad[2] = {0, 0};                // the 2-D pad moves along these two directions
    int pad_axes[2] = {0, 1};             // indices into the combined list (random then PCA)
    float truncation = 1.0f;
    uint64_t revision = 0;                // bump after any edit: the App sends a new request
    std::string paste_text;               // the latent text box
    std::string file_path = "latent.txt";
    // Filled by the App.
    torch::Tensor random_directions, pca_directions;  // D x L each
    std::vector<double> pca_explained;
    bool pca_pending = false;
    bool request_pca = false;             // intent: (re)compute GANSpace directions
    bool save_file = false, load_file = false, copy_text = false, apply_text = false;
    ImageRef image;
    int64_t weights_step = -1;
    double inference_ms = 0;
    std::string message;                  // last success or error, shown in the panel
    uint64_t randomize_seed = 1;
};

struct InterpolationModel {
    torch::Tensor a, b;            // L each, CPU; undefined until picked
    int frames = 8;
    bool spherical = true;
    bool animate = true;
    float speed = 1.5f;            // frames per second of the loop... in strip frames
    double phase = 0;              // animation position in frames
    bool walk = false;             // a smooth random walk instead of the A-B loop
    float walk_speed = 0.4f;       // keyframes per second
    uint64_t revision = 0;
    ImageRef strip;                // frames side by side
    ImageRef walk_image;
    int cell = 0, padding = 2;
};

struct DatasetModel {
    ImageRef real;        // a page of real training images (grid)
    int page = 0, per_page = 32, pages = 0;
    bool loading = false;
    std::string description, error;
    int page_request = -1;  // intent: load this page
};

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

struct InspectModel {
    bool active = false;              // the panel was drawn this frame: only then is work requested
    bool judging = false;             // the panel was visible at the last apply: its verdicts frame the Samples
    bool latent_space = true;         // DCGAN: feature maps and verdicts; else pix2pix's maps
    std::vector<std::string> layers;  // the generator's blocks, filled by the module
    int layer = 0;                    // intent: whose feature maps
    int channel = -1;                 // intent: the channel shown large; -1 none
    ImageRef tiles;                   // the block's channels tiled and colour-mapped by the grid shader
    int count = 0, columns = 0, cell = 0, padding = 1;
    std::string color_map;            // the map's name ("lumen" for ReLU outputs, "coolwarm" for signed ones)
    float low = 0, high = 1;          // the values at its two ends
    float channel_min = 0, channel_max = 0;  // the picked channel's own range
    int64_t step = -1;                // the weights' step
    bool pending = false;
    std::string message;              // an error, or what is missing
    std::string note;                 // why the discriminator's part is missing

    // DCGAN: the discriminator's verdict on each cell of the Samples grid of `grid_step` (the Samples panel frames
    // its cells in their colours while this panel is visible).
    std::vector<float> verdicts;
    bool probabilities = true;        // P(real) in [0, 1]; else raw scores (hinge, LSGAN, WGAN critics)
    float verdict_low = 0, verdict_high = 1;  // the colour map's ends (coolwarm: fake blue, real red)
    int64_t grid_step = -1;
    uint64_t verdicts_revision = 0;   // counts new verdicts

    // pix2pix: per validation pair, the PatchGAN's map of the output and |output - target|, tiled one per pair.
    ImageRef patch_tiles, error_tiles;
    int pairs = 0, pair_columns = 0, patch_cell = 0, error_cell = 0;
    float error_high = 1;             // the error map's top (lumen from 0)
    float patch_mean = 0, error_mean = 0;
    std::vector<float> patch_means, error_means;  // per pair
    std::vector<float> patch_values, error_values;  // the maps themselves, pair by pair, row by row
    float patch_at(int pair, int x, int y) const { return at(patch_values, patch_cell, pair, x, y); }
    float error_at(int pair, int x, int y) const { return at(error_values, error_cell, pair, x, y); }

private:
    static float at(const std::vector<float>& v, int side, int pair, int x, int y) {
        const size_t i = (size_t(pair) * side + size_t(std::clamp(y, 0, side - 1))) * side + size_t(std::clamp(x, 0, side - 1));
        return i < v.size() ? v[i] : 0.0f;
    }
};

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

// Intents that cross modules: a latent sent to the explorer or to one end of the interpolation. The App connects
// them to the Explorer and Interpolation modules; unset where the run has no latent space.
struct LatentLinks {
    std::function<void(const torch::Tensor& latent, const std::string& from)> explore;
    std::function<void(int end, const torch::Tensor& latent)> interpolate;  // end 0: A, 1: B
};

// What every module may read: the run as its source describes it, and the window's shared state.
struct RunView {
    RunCapabilities run;               // what the source can do (commands: a trainer in this process)
    std::string run_kind;              // "training", "opened", "following" (RunSource::kind)
    std::string source;                // what we show: run folder or checkpoint
    std::shared_ptr<const TrainerStatus> status;
    std::optional<TrainConfig> config;  // the run's resolved configuration, once known
    int latent_dim = 0, image_size = 0;

    bool screenshot = false;           // intent: write the window to PNG after this frame
    int samples_tab = -1;              // intent: bring a Samples tab to the front (0 fakes, 1 dataset, 2 history)
    int monitor_tab = -1;              // intent: bring a lower-left tab to the front (0 performance, 1 record)
    std::string notice;                // one line for the status bar (saved screenshot, errors)
    double notice_until = 0;
    double time = 0;                   // seconds since start (ImGui time)
    float delta_time = 0;              // seconds since the last frame (ImGui's)
    uint64_t frame = 0;                // frames drawn so far
    void notify(const std::string& text, double seconds = 4.0) {
        notice = text;
        notice_until = time + seconds;
    }
};

}  // namespace ganscope
