// watch http://: a window following a served run (grid equal to the server's, steering with the token,
// reconnecting; a pix2pix run's Translate and Dataset through the server). Test thread.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <stb_image.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "../ml/test_util.h"
#include "ml/run/history.h"
#include "ml/data/image.h"
#include "ml/data/tensor_image.h"
#include "ml/models/translator.h"
#include "viewer/serve/run_server.h"
#include "viewer/sources/png_bytes.h"
#include "viewer/widgets/canvas.h"
#include "serve_support.h"
#include "window_support.h"

using namespace ganscope;
using namespace ganscope::test;
namespace fs = std::filesystem;

namespace {

int post(httplib::Client& c, const std::string& body, const httplib::Headers& headers) {
    auto r = c.Post("/api/control", headers, body, "application/json");
    REQUIRE(r);
    return r->status;
}

}  // namespace

TEST_CASE("watch http://: the window follows a served run, steers it with the token, and reconnects") {
    const std::string dir = work_dir("serve_watch");
    TrainerOptions t;
    t.config = tiny_dcgan_config(synthetic_folder("viewer_serve", 16), 2, 5);
    t.run_dir = dir + "/run";
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, t.run_dir);
    ServeOptions so;
    so.port = 0;
    auto server = std::make_unique<RunServer>(*source, so);
    const int port = server->port();

    AppOptions o;
    o.headless = true;
    o.width = 960;
    o.height = 600;
    o.mode = AppOptions::Mode::Watch;
    o.watch_dir = server->url();
    o.watch_token = server->token();
    o.watch_poll_seconds = 0.1;
    {  // one App at a time: ImGui has one context
        App app(o);
        CHECK(app.source().capabilities().commands);  // the token steers
        const RunView& m = app.model();
        const GridModel& grid = app.samples().grid();
        const ExplorerModel& explorer = app.explorer().model();
        const MetricsHistory& metrics = app.curves().metrics();
        REQUIRE(frames_until(app, [&] { return grid.step >= 4 && explorer.image.ready(); }, 120));
        // The Training panel's figures come across: the schedule's rates, the step time, the data.
        REQUIRE(frames_until(app, [&] { return m.status && m.status->step_ms > 0; }, 30));
        CHECK(m.status->lr_g_now == doctest::Approx(trainer.status().latest()->lr_g_now));
        CHECK(m.status->lr_g_now > 0);
        CHECK(m.status->dataset_size == 16);
        CHECK(m.status->data_description == trainer.status().latest()->data_description + " (on the server)");

        // Steered from the window: pause, and the grid settles on the server's last one.
        app.training().intents().add({RunCommand::Kind::Pause});
        REQUIRE(frames_until(app, [&] { return m.status && m.status->state == TrainerState::Paused; }, 60));
        const auto last = trainer.samples().latest();
        REQUIRE(frames_until(app, [&] { return grid.step == last->step; }, 30));
        CHECK(max_difference(app.samples().whole_texture().read_rgba8(), rgba_of(tensor_to_image(last->grid))) <= 1);
        const size_t records = metrics.records().size();
        CHECK(records > 0);

        // The server goes away: the window says so and keeps its curves; it comes back: the window follows again.
        CHECK_FALSE(app.source().disconnected());
        server.reset();
        REQUIRE(frames_until(app, [&] { return m.status->message.find("disconnected, retrying") != std::string::npos; }, 30));
        CHECK(app.source().disconnected());  // a state of its own, not only the message's wording
        CHECK(metrics.records().size() == records);
        trainer.start();
        so.port = port;
        so.token = o.watch_token;
        server = std::make_unique<RunServer>(*source, so);
        REQUIRE(frames_until(app, [&] { return metrics.records().size() > records; }, 60));
        CHECK(m.status->message.find("disconnected") == std::string::npos);
        CHECK_FALSE(app.source().disconnected());
        app.save_screenshot(dir + "/watch_remote.png");

    }
    // Without the token the window is read-only, and says so.
    o.watch_token.clear();
    App readonly(o);
    CHECK_FALSE(readonly.source().capabilities().commands);
    readonly.training().intents().add({RunCommand::Kind::Pause});
    readonly.frame();
    CHECK(readonly.model().notice.find("read-only") != std::string::npos);
    server.reset();
    trainer.stop();
    trainer.wait();
}

TEST_CASE("watch http:// of a pix2pix run: Translate sends the canvas to the server; Dataset pages come from it") {
    const std::string dir = work_dir("serve_watch_translate");
    TrainerOptions t;
    t.config = tiny_pix2pix_config(synthetic_folder("viewer_translate", 16), 2);
    t.start_paused = true;  // one generator throughout
    Trainer trainer(t);
    auto source = make_trainer_source(trainer, "");
    ServeOptions so;
    so.port = 0;
    RunServer server(*source, so);
    REQUIRE(wait_for([&] { return bool(trainer.weights().latest()); }));
    const auto translator = Translator::from_snapshot(*trainer.weights().latest(), torch::kCPU);

    AppOptions o;
    o.headless = true;
    o.width = 960;
    o.height = 600;
    o.mode = AppOptions::Mode::Watch;
    o.watch_dir = server.url();
    o.watch_token = server.token();
    o.watch_poll_seconds = 0.1;
    App app(o);
    TranslateModel& m = app.translate().model();
    REQUIRE(frames_until(app, [&] { return m.active && m.canvas.size() == 16 && m.output_image.ready() && !m.pending; }, 60));
    CHECK(m.description.find("translated by " + server.url()) != std::string::npos);
    REQUIRE(app.translate().worker());
    CHECK_FALSE(app.translate().worker()->translator());  // no generator here: the server's translates
    CHECK_FALSE(app.source().weights().latest());          // and its snapshots were not downloaded

    m.canvas.begin_stroke();
    m.canvas.stroke(2, 3, 13, 12, m.brush);
    const Image drawn = m.canvas.image();
    REQUIRE(frames_until(app, [&] { return !m.pending; }, 30));
    for (int i = 0; i < 3; ++i) app.frame();
    CHECK(app.translate().output_texture().texture().read_rgba8() == rgba_of(translator->translate(drawn)));
    CHECK(translator->translate(Canvas(16).image()).pixels != translator->translate(drawn).pixels);

    // The Dataset panel's page is read on the server: equal to the page read here (PNG on the way: within 1).
    DatasetModel& d = app.dataset().model();
    d.page_request = 0;
    REQUIRE(frames_until(app, [&] { return d.real.ready() && !d.loading; }, 60));
    CHECK(d.error == "");
    CHECK(d.description.find("(on the server)") != std::string::npos);
    const int columns = app.samples().grid().columns > 0 ? app.samples().grid().columns : 8;
    const DatasetPage here = make_local_dataset_pages(t.config)->page(0, d.per_page, columns);
    CHECK(max_difference(app.dataset().texture().texture().read_rgba8(), expected_rgba(here.grid)) <= 1);
    app.save_screenshot(dir + "/watch_translate.png");

    // Training resumes on the server: the same canvas is translated again by its newer generators.
    const uint64_t revision = m.canvas.revision();
    const auto before = app.translate().output_texture().texture().read_rgba8();
    trainer.start();
    REQUIRE(frames_until(app, [&] {
        return trainer.status().latest()->step >= 6 && !m.pending &&
               app.translate().output_texture().texture().read_rgba8() != before;
    }, 60));
    CHECK(m.canvas.revision() == revision);  // nothing was drawn meanwhile
    trainer.stop();
    trainer.wait();
}
