// `--nproc N`: this command run again as N local ranks on 127.0.0.1, with the standard environment
// (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) that torchrun and srun also provide. Main thread.
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace ganscope {

// Starts the ranks (argv without --nproc), forwards Ctrl-C, names a rank that fails, and ends ranks that
// outlive a failed one by more than `timeout` plus a grace period. Returns the exit code for the whole run.
int launch_local_ranks(int argc, char** argv, int nproc, std::chrono::seconds timeout);

// `ganscope --nproc N`, the window: this process becomes rank 0 (its environment is set here) and ranks 1..N-1
// run `train --headless` with argv's training options. Returns their process ids for wait_ranks.
std::vector<int> start_helper_ranks(int argc, char** argv, int nproc, const std::set<std::string>& train_values,
                                    const std::set<std::string>& train_flags);
// Waits for the ranks (numbered from first_rank), naming one that fails and ending the rest `timeout` plus a
// grace period after it. Returns the first non-zero exit code, or 0.
int wait_ranks(std::vector<int> pids, int first_rank, std::chrono::seconds timeout);

}  // namespace ganscope
