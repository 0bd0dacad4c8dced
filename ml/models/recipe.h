// Named DCGAN training recipes: `seed003` is seed 003's DCGAN exactly, `default` the one chosen by
// measurement (`ganscope bench quality`, docs/benchmarks.md); the others are the candidates it was chosen
// from. Any thread.
#pragma once

#include <string>
#include <vector>

#include "ml/config.h"

namespace ganscope {

// The recipe names, `default` first.
const std::vector<std::string>& recipe_names();
// What `default` stands for.
const char* default_recipe();
// Sets the loss, R1, DiffAugment and EMA fields, the Adam settings they go with and the networks' width (0 for the
// device in the default: 32 on a CPU, 64 on a GPU); everything else is kept.
// Throws std::invalid_argument naming the recipe and the choices.
void apply_recipe(TrainConfig& config, const std::string& name);
// A recipe with settings changed for a measurement: "NAME[:key=value]...", keys width (both networks), batch, lr
// (both), lr-g, lr-d, ema, beta1, ema-stats (copy|recompute) (`ganscope bench quality --recipes
// seed003,default:width=32`). Throws std::invalid_argument naming the spec and what is wrong.
void apply_recipe_spec(TrainConfig& config, const std::string& spec);
// The recipe a config matches, or "custom".
std::string recipe_of(const TrainConfig& config);

}  // namespace ganscope
