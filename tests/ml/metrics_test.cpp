// The bounded metrics history and the JSON form of metrics and configs.
#include <doctest/doctest.h>

#include "ml/config.h"
#include "ml/run/metrics.h"

using namespace ganscope;

TEST_CASE("metrics history stays bounded and spans the whole run") {
    MetricsHistory history(64);
    for (int i = 0; i < 100000; ++i) {
        StepMetrics m;
        m.step = i;
        history.push(m);
    }
    CHECK(history.records().size() <= 64);
    CHECK(history.records().size() >= 16);
    CHECK(history.records().front().step == 0);
    CHECK(history.records().back().step > 90000);
    for (size_t i = 1; i < history.records().size(); ++i)
        CHECK(history.records()[i].step > history.records()[i - 1].step);
}

TEST_CASE("config and metrics survive JSON; bad values are named") {
    TrainConfig c;
    c.image_size = 64;
    c.data = "/some/folder";
    c.background = {1, 2, 3};
    const TrainConfig back = TrainConfig::from_json(nlohmann::json::parse(c.to_json().dump()));
    CHECK(back.to_json() == c.to_json());
    StepMetrics m;
    m.step = 7;
    m.loss_g = 1.5;
    CHECK(StepMetrics::from_json(m.to_json()).loss_g == 1.5);
    CHECK(std::isnan(StepMetrics::from_json(m.to_json()).loss_aux));
    TrainConfig bad;
    bad.image_size = 48;
    CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("--size 48"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(TrainConfig::from_json({{"batch_size", "many"}}), doctest::Contains("batch_size"),
                         std::invalid_argument);
}
