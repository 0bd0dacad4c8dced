// What the Nearest panel shows: the image asked about, its nearest training images with their names and distances,
// the training images' own typical distance, and the one picked to show large. Written by NearestModule on the GL
// thread, read by NearestPanel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "viewer/widgets/image_ref.h"

namespace ganscope {

struct NearestModel {
    struct Match {
        ImageRef image;
        std::string name;  // the training image's file (or the emoji set's glyph)
        double distance = 0;
    };
    std::string from;  // what was asked about ("sample 12 of step 400"); empty: nothing yet
    ImageRef query;
    std::vector<Match> matches;  // nearest first
    int64_t index_size = 0;
    int image_size = 0;
    double typical = 0;
    bool from_cache = false;
    double index_seconds = 0, query_ms = 0;
    bool pending = false;  // a request is on its way (the first builds the index)
    std::string error;
    int picked = 0;  // intent: the match shown large (index into matches)
};

}  // namespace ganscope
