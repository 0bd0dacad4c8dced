// Projection in the window: an image file given to the Projection panel is projected off the GL thread while the
// run trains on; the explorer follows the latent as it converges and ends on the one found, drawing the same image
// the panel shows; the latent becomes an interpolation end and a file; a file that is not an image is one line.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include <imgui.h>
#include <imgui_internal.h>

#include "ml/data/tensor_image.h"
#include "ml/models/latent.h"
#include "ml/test_util.h"
#include "viewer/window/app.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;

TEST_CASE("Projection: an image file projected in the window, the explorer following it to the latent found") {
    const std::string data = synthetic_folder("viewer_project", 16);
    const std::string dir = work_dir("project_files");
    AppOptions o;
    o.headless = true;
    o.width = 1280;
    o.height = 800;
    o.trainer.config = tiny_dcgan_config(data, 5, 3);
    o.trainer.run_dir = work_dir("project_run");
    App app(o);
    REQUIRE(frames_until(app, [&] { return app.explorer().model().image.ready() && app.model().status; }));
    ImGuiWindow* panel = ImGui::FindWindowByName("Projection");
    REQUIRE(panel);  // a tab of the latent tools
    CHECK(app.project().model().from.empty());

    // A real image (not one of the generator's): the panel's field and its Project button's intent.
    write_png(dir + "/target.png", synthetic_image(40, 77));
    ProjectModel& m = app.project().model();
    m.path = dir + "/target.png";
    m.steps = 60;
    m.restarts = 3;
    m.start = true;
    const int64_t step_at_start = app.model().status->step;
    bool saw_progress = false;
    uint64_t explorer_revisions = app.explorer().model().revision;
    REQUIRE(frames_until(app, [&] {
        if (m.running && m.step > 0 && m.step < m.total) saw_progress = true;
        return !m.running && m.has_latent;
    }));
    CHECK(m.error.empty());
    CHECK(saw_progress);  // the panel showed steps on the way
    CHECK(m.complete);
    CHECK(m.step == 60);
    CHECK(m.total == 60);
    CHECK(m.from.find("target.png: projected at step 60 of 60") != std::string::npos);
    CHECK(m.target.ready());
    CHECK(m.image.ready());
    CHECK(m.losses.size() >= 3);
    CHECK(m.features);  // the window's own run publishes its discriminator with the weights
    CHECK(app.explorer().model().revision > explorer_revisions + 2);  // it followed the projection
    // Training went on meanwhile (the projection works on a snapshot, never on the trainer).
    REQUIRE(frames_until(
        app, [&] { return app.model().status->step > step_at_start + 5; }, 60));

    // The explorer ends on the latent found, untruncated, and draws what the panel shows.
    const torch::Tensor z = app.project().latent();
    REQUIRE(z.defined());
    CHECK(torch::equal(app.explorer().model().base, z));
    CHECK(torch::equal(explorer_latent(app.explorer().model()), z));
    CHECK(app.explorer().model().message.find("exploring the projection of " + dir + "/target.png") == 0);
    // The panel's textures: the target as the training images are made (scaled, centre-cropped), and the
    // reconstruction, whose difference from it is the RMS the panel reports.
    const torch::Tensor target = image_to_tensor(resize_short_side_center_crop(load_image(dir + "/target.png"), 16));
    const std::vector<uint8_t> target_pixels = app.project().target_texture().texture().read_rgba8();
    CHECK(max_difference(target_pixels, expected_rgba(target)) <= 1);
    const std::vector<uint8_t> image_pixels = app.project().image_texture().texture().read_rgba8();
    REQUIRE(image_pixels.size() == target_pixels.size());
    double squares = 0;
    int channels = 0;
    for (size_t i = 0; i < image_pixels.size(); ++i) {
        if (i % 4 == 3) continue;  // alpha
        const double d = double(image_pixels[i]) - double(target_pixels[i]);
        squares += d * d;
        ++channels;
    }
    CHECK(std::sqrt(squares / channels) == doctest::Approx(m.rms_levels).epsilon(0.05));

    // Use as A, then save as .pt and .txt: the explorer's loader reads both back.
    m.use_a = true;
    m.save_path = dir + "/found.pt";
    m.save = true;
    for (int i = 0; i < 3; ++i) app.frame();
    REQUIRE(app.interpolation().model().a.defined());
    CHECK(torch::equal(app.interpolation().model().a, z));
    CHECK(torch::equal(load_latent(dir + "/found.pt", 16), z));
    m.save_path = dir + "/found.txt";
    m.save = true;
    for (int i = 0; i < 3; ++i) app.frame();
    CHECK(torch::allclose(load_latent(dir + "/found.txt", 16), z, 1e-5, 1e-6));

    // A file that is not an image: one line, the last latent kept.
    std::ofstream(dir + "/notes.png") << "not an image";
    app.project().project_file(dir + "/notes.png");
    REQUIRE(frames_until(
        app, [&] { return !m.running; }, 30));
    CHECK(m.error.find(dir + "/notes.png: not an image ganscope can read") == 0);
    CHECK(m.error.find('\n') == std::string::npos);
    CHECK(torch::equal(app.project().latent(), z));
}
