"""Reference-format pix2pix weights for ganscope's compatibility test.

The U-Net below follows the layout of junyanz/pytorch-CycleGAN-and-pix2pix's UnetGenerator (same module
nesting, hence the same state_dict keys such as model.model.1.model.3.model.1.weight), written here
independently so the test does not depend on that repository.

  make OUT_DIR   writes OUT_DIR/unet.pth (a state_dict, torch.save; unet_legacy.pth in the pre-1.6 format), OUT_DIR/io.pth (a fixed input and the
                 outputs with BatchNorm in eval and in train mode) and OUT_DIR/resnet.pth (another architecture)
  check STATE_DICT IO_FILE
                 loads a state_dict written by ganscope into the same U-Net and compares its eval output for
                 io['input'] with io['output']; prints the largest difference, exits 1 above 1e-4
"""
import sys

import torch
import torch.nn as nn


class Level(nn.Module):
    """One U-Net level: down, the inner level, up; concatenated with the input except at the outermost."""

    def __init__(self, outer, inner, in_ch=None, sub=None, outermost=False, innermost=False, dropout=False):
        super().__init__()
        self.outermost = outermost
        in_ch = outer if in_ch is None else in_ch
        down = nn.Conv2d(in_ch, inner, 4, 2, 1, bias=False)
        if outermost:
            layers = [down, sub, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), nn.Tanh()]
        elif innermost:
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                      nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, nn.BatchNorm2d(inner), sub, nn.ReLU(True),
                      nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
            if dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class Unet(nn.Module):
    def __init__(self, in_ch=3, out_ch=3, downs=8, ngf=64):
        super().__init__()
        width = lambda level: ngf * min(2 ** (level - 1), 8)
        block = Level(width(downs - 1), width(downs), innermost=True)
        for level in range(downs - 2, 0, -1):
            block = Level(width(level), width(level + 1), sub=block, dropout=level >= 4)
        self.model = Level(out_ch, ngf, in_ch=in_ch, sub=block, outermost=True)

    def forward(self, x):
        return self.model(x)


def eval_with_train_norm(net):
    """BatchNorm on the batch's statistics, dropout off: deterministic 'train mode' inference."""
    net.eval()
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.train()
            m.momentum = 0.0
    return net


def make(out_dir):
    torch.manual_seed(0)
    net = Unet(downs=8, ngf=8)  # unet_256's structure and keys, narrow so the test stays fast
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                # Non-trivial statistics so eval mode differs from train mode.
                m.weight.normal_(1.0, 0.2)
                m.bias.normal_(0.0, 0.2)
                m.running_mean.normal_(0.0, 0.3)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(7)
    x = torch.rand(2, 3, 256, 256) * 2 - 1
    with torch.no_grad():
        net.eval()
        out_eval = net(x)
        out_train = eval_with_train_norm(net)(x)
    torch.save(net.state_dict(), f"{out_dir}/unet.pth")
    # The pre-1.6 layout, in which the reference's published models (facades, edges2shoes, ...) were saved.
    torch.save(net.state_dict(), f"{out_dir}/unet_legacy.pth", _use_new_zipfile_serialization=False)
    torch.save({"input": x, "out_eval": out_eval, "out_train": out_train}, f"{out_dir}/io.pth")
    # A resnet-style generator: another architecture whose keys ganscope must name when refusing it.
    resnet = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(3, 8, 7), nn.BatchNorm2d(8), nn.ReLU(True),
                           nn.Conv2d(8, 3, 7), nn.Tanh())
    torch.save({"model." + k: v for k, v in resnet.state_dict().items()}, f"{out_dir}/resnet.pth")
    print("made", out_dir)


def check(state_path, io_path):
    state = torch.load(state_path)
    io = torch.load(io_path)
    first = state["model.model.0.weight"]
    downs = 1
    prefix = "model.model.1.model."
    while any(k.startswith(prefix + "3.model.") for k in state):
        prefix += "3.model."
        downs += 1
    net = Unet(in_ch=first.shape[1], out_ch=state["model.model.3.weight"].shape[1], downs=downs + 1, ngf=first.shape[0])
    net.load_state_dict(state)  # strict: every key and shape must match
    net.eval()
    with torch.no_grad():
        out = net(io["input"])
    diff = (out - io["output"]).abs().max().item()
    print(f"max_abs_diff: {diff:.3e}")
    sys.exit(0 if diff <= 1e-4 else 1)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
