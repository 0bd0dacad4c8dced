"""The Python side of ganscope's weight-exchange tests: PyTorch code that loads ganscope's exported
state_dicts strictly, written here independently of ganscope (TensorBoard's reader is in tensorboard_read.py).

  dcgan_g STATE IO [LATENT SIZE WIDTH]
      builds the DCGAN generator as seed 003 writes it (an nn.Sequential of ConvTranspose2d / BatchNorm2d / ReLU,
      Tanh last; latent 128, 64x64, width 64 unless given), load_state_dict(strict=True), eval(), and compares its
      output for IO['z'] with IO['images']; prints the largest difference, exits 1 above 1e-5
  dcgan_d STATE IO [SIZE WIDTH]
      the same for the DCGAN paper's discriminator Sequential (no BatchNorm on the first layer, logits out):
      IO['x'] -> IO['logits']
  patchgan_d STATE IO INPUT_NC NDF N_LAYERS
      the same for a PatchGAN discriminator in junyanz's NLayerDiscriminator layout (keys model.0.weight, ...)
  make_dcgan_g OUT [LATENT SIZE WIDTH]
      a seed-003 generator with random weights and non-trivial BatchNorm statistics, saved the article's way:
      torch.save(generator.state_dict(), OUT)
  draw STATE Z OUT [LATENT SIZE WIDTH]
      loads STATE into the seed-003 generator and saves {"images": generator(Z['z'])} (eval mode) to OUT
"""
import math
import sys

import torch
import torch.nn as nn


def seed003_generator(latent=128, size=64, width=64):
    """ConvTranspose 4x4 from the latent to 4x4, then doubling the size and halving the channels, Tanh last."""
    stages = int(math.log2(size // 4))
    channels = width * 2 ** (stages - 1)
    layers = [nn.ConvTranspose2d(latent, channels, kernel_size=4, stride=1, padding=0, bias=False),
              nn.BatchNorm2d(channels), nn.ReLU(True)]
    for _ in range(stages - 1):
        layers += [nn.ConvTranspose2d(channels, channels // 2, kernel_size=4, stride=2, padding=1, bias=False),
                   nn.BatchNorm2d(channels // 2), nn.ReLU(True)]
        channels //= 2
    layers += [nn.ConvTranspose2d(channels, 3, kernel_size=4, stride=2, padding=1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


def dcgan_discriminator(size=64, width=64):
    stages = int(math.log2(size // 4))
    layers = [nn.Conv2d(3, width, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    channels = width
    for _ in range(stages - 1):
        layers += [nn.Conv2d(channels, channels * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(channels * 2),
                   nn.LeakyReLU(0.2, True)]
        channels *= 2
    layers += [nn.Conv2d(channels, 1, 4, 1, 0, bias=False), nn.Flatten()]
    return nn.Sequential(*layers)


class PatchGAN(nn.Module):
    """junyanz's NLayerDiscriminator with BatchNorm: its convolutions have no bias except the first and the last."""

    def __init__(self, input_nc, ndf, n_layers):
        super().__init__()
        seq = [nn.Conv2d(input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * mult),
                    nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2 ** n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=False), nn.BatchNorm2d(ndf * mult),
                nn.LeakyReLU(0.2, True), nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x)


def compare(net, state_path, io_path, input_key, output_key):
    net.load_state_dict(torch.load(state_path), strict=True)
    net.eval()
    io = torch.load(io_path)
    with torch.no_grad():
        out = net(io[input_key])
    diff = (out - io[output_key].reshape(out.shape)).abs().max().item()
    print(f"max_abs_diff: {diff:.3e}")
    sys.exit(0 if diff <= 1e-5 else 1)


def sizes(args, defaults):
    return [int(a) for a in args] if args else defaults


def main(argv):
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if cmd == "dcgan_g" and len(args) in (2, 5):
        compare(seed003_generator(*sizes(args[2:], [128, 64, 64])), args[0], args[1], "z", "images")
    elif cmd == "dcgan_d" and len(args) in (2, 4):
        compare(dcgan_discriminator(*sizes(args[2:], [64, 64])), args[0], args[1], "x", "logits")
    elif cmd == "patchgan_d" and len(args) == 5:
        compare(PatchGAN(*[int(a) for a in args[2:]]), args[0], args[1], "x", "logits")
    elif cmd == "make_dcgan_g" and len(args) in (1, 4):
        torch.manual_seed(3)
        generator = seed003_generator(*sizes(args[1:], [128, 64, 64]))
        with torch.no_grad():
            for m in generator.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.weight.normal_(1.0, 0.2)
                    m.bias.normal_(0.0, 0.2)
                    m.running_mean.normal_(0.0, 0.3)
                    m.running_var.uniform_(0.5, 2.0)
        torch.save(generator.state_dict(), args[0])
        print("made", args[0])
    elif cmd == "draw" and len(args) in (3, 6):
        generator = seed003_generator(*sizes(args[3:], [128, 64, 64]))
        generator.load_state_dict(torch.load(args[0]), strict=True)
        generator.eval()
        z = torch.load(args[1])["z"]
        with torch.no_grad():
            images = generator(z.reshape(z.shape[0], -1, 1, 1))
        torch.save({"images": images}, args[2])
        print("drew", tuple(images.shape))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
