// The Dataset panel: a page of real training images beside the current fakes. GL thread only, inside an ImGui
// frame; requests pages (the App loads them off the GL thread), makes no GL calls.
#pragma once

#include "viewer/features/dataset/dataset_model.h"
#include "viewer/widgets/grid_model.h"

namespace ganscope {

struct DatasetPanel {
    void draw(DatasetModel& dataset, const GridModel& fakes);  // fakes: shown beside for comparison
};

}  // namespace ganscope
