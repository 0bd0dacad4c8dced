// The Dataset panel's model: a page of real training images and the page asked for. GL thread only.
#pragma once

#include <string>

#include "viewer/widgets/image_ref.h"

namespace ganscope {

struct DatasetModel {
    ImageRef real;        // a page of real training images (grid)
    int page = 0, per_page = 32, pages = 0;
    bool loading = false;
    std::string description, error;
    int page_request = -1;  // intent: load this page
};

}  // namespace ganscope
