// POST /api/translate: a pix2pix run's model behind the server (translate_endpoint.h): the translation as a PNG and,
// for ASCII-art runs, as text; every refusal. Test thread; the server answers on its own.
#include <doctest/doctest.h>

#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "../ml/test_util.h"
#include "ml/data/image.h"
#include "ml/data/pairs.h"
#include "ml/models/translator.h"
#include "viewer/serve/run_server.h"
#include "viewer/sources/png_bytes.h"
#include "serve_support.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;
namespace fs = std::filesystem;

namespace {

// A paused pix2pix run in this process (one generator throughout: the snapshot the server translates with) and its
// server on a free port, once the first snapshot is there.
struct ServedPix2Pix {
    explicit ServedPix2Pix(const TrainConfig& c) : config(c), trainer(options(c)) {
        REQUIRE(wait_for([&] { return bool(trainer.weights().latest()); }));
        client.set_read_timeout(30, 0);
    }
    ~ServedPix2Pix() {
        trainer.stop();
        trainer.wait();
    }
    static TrainerOptions options(const TrainConfig& c) {
        TrainerOptions t;
        t.config = c;
        t.start_paused = true;
        return t;
    }
    static ServeOptions any_port() {
        ServeOptions o;
        o.port = 0;
        return o;
    }
    TrainConfig config;
    Trainer trainer;
    std::unique_ptr<RunSource> source = make_trainer_source(trainer, "");
    RunServer server{*source, any_port()};
    httplib::Client client{"127.0.0.1", server.port()};
};

int post_image(httplib::Client& c, const std::string& body, const httplib::Headers& headers,
               std::string* out = nullptr) {
    auto r = c.Post("/api/translate", headers, body, "image/png");
    REQUIRE(r);
    if (out) *out = r->body;
    return r->status;
}

}  // namespace

TEST_CASE("serve: an ASCII-art run's translation as text (?output=text): the glyphs of the picture it answers") {
    TrainConfig config = tiny_pix2pix_config(synthetic_folder("viewer_translate", 16), 2);
    config.pairs = "ascii";
    config.direction = "BtoA";  // picture -> ASCII art, seed 000's direction
    ServedPix2Pix served_run(config);
    RunServer& server = served_run.server;
    httplib::Client& c = served_run.client;
    CHECK(get_json(c, "/api/status")["translate_text"] == true);
    Image drawing(16, 16, 3, 255);
    for (int i = 0; i < 16; ++i)
        for (int k = 0; k < 3; ++k) drawing.pixels[(size_t(i) * 16 + i) * 3 + k] = 0;
    const std::string body = encode_png(drawing);
    std::string picture;
    REQUIRE(post_image(c, body, bearer(server.token()), &picture) == 200);
    auto r = c.Post("/api/translate?output=text", bearer(server.token()), body, "image/png");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(r->get_header_value("Content-Type").rfind("text/plain", 0) == 0);
    // The text of the picture the server answered with (as `ganscope translate` writes NAME.txt).
    const Image served =
        load_image_memory(reinterpret_cast<const unsigned char*>(picture.data()), picture.size(), "answer");
    const std::string expected = ascii_art(served).text();
    CHECK(r->body == expected);
    CHECK(expected.size() > 4);  // 16 px at 4 px a cell: 4 lines of 4 glyphs
    // A second drawing gets its own text, not the last one's.
    Image other(16, 16, 3, 0);
    std::string other_picture;
    REQUIRE(post_image(c, encode_png(other), bearer(server.token()), &other_picture) == 200);
    auto r2 = c.Post("/api/translate?output=text", bearer(server.token()), encode_png(other), "image/png");
    REQUIRE(r2);
    const Image served2 =
        load_image_memory(reinterpret_cast<const unsigned char*>(other_picture.data()), other_picture.size(), "answer");
    CHECK(r2->body == ascii_art(served2).text());
    CHECK(c.Post("/api/translate?output=text", httplib::Headers{}, body, "image/png")->status == 401);
}

TEST_CASE("serve: POST /api/translate runs the server's pix2pix model; every refusal") {
    const std::string dir = work_dir("serve_translate");
    ServedPix2Pix served_run(tiny_pix2pix_config(synthetic_folder("viewer_translate", 16), 2));
    Trainer& trainer = served_run.trainer;
    RunServer& server = served_run.server;
    httplib::Client& c = served_run.client;

    // A 20x24 drawing in, its translation out at the model's size: what the snapshot's own translator gives.
    Image drawing(24, 20, 3);
    for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 24; ++x)
            for (int k = 0; k < 3; ++k)
                drawing.pixels[(size_t(y) * 24 + x) * 3 + k] = uint8_t((x == y || x == 12) ? 0 : 255);
    const std::string body = encode_png(drawing);
    std::string answer;
    REQUIRE(post_image(c, body, bearer(server.token()), &answer) == 200);
    const Image served =
        load_image_memory(reinterpret_cast<const unsigned char*>(answer.data()), answer.size(), "answer");
    const auto translator = Translator::from_snapshot(*trainer.weights().latest(), torch::kCPU);
    const Image expected = translator->translate(drawing);
    CHECK(served.width == 16);
    CHECK(served.height == 16);
    CHECK(served.pixels == expected.pixels);

    // Refusals, each changing nothing.
    CHECK(post_image(c, body, {}) == 401);
    CHECK(post_image(c, body, bearer("0123456789abcdef0123456789abcdef")) == 401);
    CHECK(post_image(c, "this is not an image", bearer(server.token())) == 400);
    CHECK(post_image(c, body.substr(0, body.size() / 2), bearer(server.token())) == 400);  // a PNG cut in half
    CHECK(post_image(c, std::string(4 * 1024 * 1024 + 1, 'x'), bearer(server.token())) == 413);
    CHECK(post_image(c, std::string(6 * 1024 * 1024, 'x'), bearer(server.token())) == 413);
    CHECK(get_json(c, "/api/status")["state"] == "paused");
    // Text is for runs whose outputs are ASCII art: this one draws photos from sketches.
    CHECK(get_json(c, "/api/status")["translate_text"] == false);
    auto text_refused = c.Post("/api/translate?output=text", bearer(server.token()), body, "image/png");
    REQUIRE(text_refused);
    CHECK(text_refused->status == 409);
    CHECK(text_refused->body.find("--pairs ascii --direction BtoA") != std::string::npos);
    auto unknown = c.Post("/api/translate?output=jpeg", bearer(server.token()), body, "image/png");
    REQUIRE(unknown);
    CHECK(unknown->status == 400);

    // Before the first snapshot: 503 with Retry-After. A run folder with only its config is such a run.
    const std::string early = dir + "/early";
    fs::create_directories(early);
    std::ofstream(early + "/config.json") << served_run.config.to_json().dump();
    auto folder = make_folder_source(early, 0.05);
    ServeOptions fo;
    fo.port = 0;
    RunServer folder_server(*folder, fo);
    httplib::Client fc("127.0.0.1", folder_server.port());
    REQUIRE(wait_for([&] { return get_json(fc, "/api/status")["state"] != "starting"; }));
    auto r = fc.Post("/api/translate", bearer(folder_server.token()), body, "image/png");
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->get_header_value("Retry-After") == "2");

    // A DCGAN run does not translate: 409.
    TrainerOptions d;
    d.config = tiny_dcgan_config(synthetic_folder("viewer_serve", 16), 2, 5);
    d.start_paused = true;
    Trainer dcgan(d);
    auto dsource = make_trainer_source(dcgan, "");
    RunServer dserver(*dsource, fo);
    httplib::Client dc("127.0.0.1", dserver.port());
    REQUIRE(wait_for([&] { return get_json(dc, "/api/status")["state"] != "starting"; }));
    CHECK(post_image(dc, body, bearer(dserver.token())) == 409);
    dcgan.stop();
    dcgan.wait();
}
