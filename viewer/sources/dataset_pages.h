// Pages of a run's real training images, read where the data is: on this machine from the run's config, or from
// the server of a run that trains elsewhere (GET /api/dataset). The Dataset panel and the server read pages through
// this one face. Any thread; an object outlives the source that made it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <torch/torch.h>

#include "ml/config.h"

namespace ganscope {

struct DatasetPage {
    std::string description;  // the dataset, one line ("emoji: 1000 images", "folder data/faces: 812 images")
    int64_t images = 0;       // in the whole dataset
    int pages = 0;            // at the asked number per page
    torch::Tensor grid;       // the page's images tiled with the display gutter (CHW, [-1, 1]); undefined for page -1
};

// Page limits (the server refuses more, the panel never asks more).
constexpr int kMaxPerPage = 256;
constexpr int kMaxPageColumns = 32;

class DatasetPages {
public:
    virtual ~DatasetPages() = default;
    // `page` from 0; -1: only the description and counts. Throws std::runtime_error with one line: a page past the
    // end, a dataset that cannot be opened, a server that cannot be reached.
    virtual DatasetPage page(int page, int per_page, int columns) = 0;
};

// The run's data on this machine (config.data, or the built-in emoji set), opened on the first call, kept for the
// next ones; decodes the page's files with the evaluation transform (an unreadable file is skipped, as the loader
// skips it).
std::shared_ptr<DatasetPages> make_local_dataset_pages(TrainConfig config);

}  // namespace ganscope
