// `ganscope export --checkpoint F --out G.pth|G.safetensors [--what generator|discriminator]`: a checkpoint's
// network as a plain PyTorch state_dict or safetensors file (the layouts are in ml/run/weights_exchange.h and
// docs/interop.md). Main thread.
#include <iostream>

#include "ml/run/checkpoint.h"
#include "ml/run/weights_exchange.h"
#include "viewer/commands/cli.h"
#include "viewer/commands/commands.h"

namespace ganscope {
namespace {

int export_weights(const Args& args) {
    const std::string what = args.get("what", "generator");
    const ExportPart part = parse_export_part(what);  // the choice() below has checked the spelling
    const std::string checkpoint = args.get("checkpoint"), out = args.get("out");
    const StateDict state = export_state_dict(checkpoint, part);
    write_state_dict(out, state);
    const CheckpointMeta meta = read_checkpoint_meta(checkpoint);
    int64_t values = 0;
    for (const auto& [k, t] : state) values += t.numel();
    std::cout << "export: " << meta.config.model << " " << what << " of step " << meta.step << " (" << state.size()
              << " tensors, " << values << " values) to " << out << std::endl;
    return 0;
}

}  // namespace

void add_export_command(CommandLine& cli) {
    Args& args = cli.add(nullptr, "export",
                         "a checkpoint's generator or discriminator as a plain PyTorch state_dict (torch.load + "
                         "load_state_dict(strict=True)): DCGAN in seed 003's nn.Sequential layout (keys 0.weight, "
                         "1.weight, 1.running_mean, ...), pix2pix as junyanz's latest_net_G.pth / latest_net_D.pth",
                         export_weights);
    args.text("checkpoint", "FILE", "a run's checkpoint.pt, or a kept checkpoints/epoch_NNNN.pt")->required();
    args.text("out", "G.pth",
              "the state_dict file to write: as torch.save writes it, or as safetensors when the name ends "
              "in .safetensors (safetensors.torch.load_file reads it)")
        ->required();
    args.choice("what", {"generator", "generator_raw", "discriminator"},
                "which network: generator (default) is what the run's grid draws, its weight average when the recipe "
                "keeps one (--ema); generator_raw the generator as the optimiser left it");
}

}  // namespace ganscope
