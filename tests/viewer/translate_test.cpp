// The Translate panel: canvas strokes and history in plain C++; and the window headless training a tiny
// pix2pix, a stroke on the canvas, the output texture read back equal to Translator::translate of the canvas.
#include <doctest/doctest.h>

#include <chrono>
#include <set>

#include "ml/data/tensor_image.h"
#include "ml/test_util.h"
#include "render/texture.h"
#include "viewer/window/app.h"
#include "viewer/widgets/canvas.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;

namespace {

int count_colour(const Image& image, Rgb c) {
    int n = 0;
    for (size_t i = 0; i < image.pixels.size(); i += 3)
        n += image.pixels[i] == c.r && image.pixels[i + 1] == c.g && image.pixels[i + 2] == c.b;
    return n;
}

}  // namespace

TEST_CASE("canvas: a stroke changes pixels, undo restores, redo re-applies, clear and eraser") {
    Canvas canvas(32);
    const Image blank = canvas.image();
    CHECK(count_colour(blank, Rgb{255, 255, 255}) == 32 * 32);
    CHECK_FALSE(canvas.can_undo());

    CanvasBrush pen;
    pen.width = 3;
    pen.colour = Rgb{200, 10, 20};
    const uint64_t r0 = canvas.revision();
    canvas.begin_stroke();
    canvas.stroke(4, 16, 28, 16, pen);
    const Image drawn = canvas.image();
    CHECK(canvas.revision() > r0);
    const int red = count_colour(drawn, pen.colour);
    CHECK(red >= 24 * 3 - 6);            // a 3 px wide line 24 px long, round caps
    CHECK(red <= 30 * 4);
    CHECK(drawn.at(16, 16)[0] == 200);   // on the line
    CHECK(drawn.at(16, 4)[0] == 255);    // far from it
    CHECK(drawn.at(16, 25)[1] == 255);

    REQUIRE(canvas.undo());
    CHECK(canvas.image().pixels == blank.pixels);
    CHECK(canvas.can_redo());
    REQUIRE(canvas.redo());
    CHECK(canvas.image().pixels == drawn.pixels);
    CHECK_FALSE(canvas.redo());

    // The eraser paints the background back, as its own undo step.
    CanvasBrush eraser;
    eraser.tool = CanvasTool::Eraser;
    eraser.width = 40;
    canvas.begin_stroke();
    canvas.stroke(16, 16, 16, 16, eraser);
    CHECK(canvas.image().pixels == blank.pixels);
    REQUIRE(canvas.undo());
    CHECK(canvas.image().pixels == drawn.pixels);

    // A new stroke after undo forgets redo; clear is undoable.
    canvas.begin_stroke();
    canvas.stroke(2, 2, 2, 30, pen);
    CHECK_FALSE(canvas.can_redo());
    const Image two = canvas.image();
    CHECK(count_colour(two, pen.colour) > red);
    canvas.clear();
    CHECK(canvas.image().pixels == blank.pixels);
    REQUIRE(canvas.undo());
    CHECK(canvas.image().pixels == two.pixels);

    // A loaded image fills the canvas (centre crop, resized), undoable.
    Image photo(64, 48, 3, 0);
    canvas.set_image(photo);
    CHECK(canvas.size() == 32);
    CHECK(count_colour(canvas.image(), Rgb{0, 0, 0}) == 32 * 32);
    REQUIRE(canvas.undo());
    CHECK(canvas.image().pixels == two.pixels);
}

TEST_CASE("headless window with pix2pix: a stroke on the canvas is translated live; texture equals translate()") {
    AppOptions o;
    o.headless = true;
    o.width = 1024;
    o.height = 640;
    o.trainer.config = test::tiny_pix2pix_config(test::synthetic_folder("viewer_translate", 16), 5);
    o.trainer.start_paused = true;  // one generator throughout: the snapshot the panel translates with
    App app(o);
    TranslateModel& t = app.translate().model();
    REQUIRE(frames_until(app, [&] { return t.active && t.canvas.size() == 16 && t.output_image.ready() && !t.pending; }));
    REQUIRE(app.translate().worker());
    auto translator = app.translate().worker()->translator();
    REQUIRE(translator);
    CHECK_FALSE(t.needs_colour);  // sketch -> colour: the pen draws black lines

    // A stroke, drawn the way the panel draws one, is translated without anything else happening.
    const uint64_t before = t.canvas.revision();
    t.canvas.begin_stroke();
    t.canvas.stroke(3, 3, 12, 12, t.brush);
    REQUIRE(t.canvas.revision() != before);
    const Image drawn = t.canvas.image();
    REQUIRE(frames_until(app, [&] { return !t.pending; }, 30));
    for (int i = 0; i < 3; ++i) app.frame();

    const Image expected = translator->translate(drawn);
    CHECK(expected.width == 16);
    auto texture = app.translate().output_texture().texture().read_rgba8();
    CHECK(app.translate().output_texture().width() == 16);
    CHECK(texture == rgba_of(expected));
    // ...and it differs from the translation of the blank canvas (the stroke mattered).
    CHECK(translator->translate(Canvas(16).image()).pixels != expected.pixels);

    // Undo goes back to the blank canvas; the shown output follows.
    REQUIRE(t.canvas.undo());
    REQUIRE(frames_until(app, [&] { return !t.pending; }, 30));
    for (int i = 0; i < 3; ++i) app.frame();
    CHECK(app.translate().output_texture().texture().read_rgba8() == rgba_of(translator->translate(t.canvas.image())));

    // The screenshot is not blank.
    std::string shot = test::scratch_dir("viewer_translate_shot") + "/translate.png";
    app.save_screenshot(shot);
    Image png = load_image(shot);
    std::set<uint32_t> colours;
    for (size_t i = 0; i < png.pixels.size(); i += 3)
        colours.insert(png.pixels[i] << 16 | png.pixels[i + 1] << 8 | png.pixels[i + 2]);
    CHECK(colours.size() > 50);
}
