"""Reference pix2pix training loop and inference in plain eager PyTorch, for `ganscope bench pix2pix`.

Same architecture (U-Net with BatchNorm and dropout, 70x70 PatchGAN on (input, output)), loss (BCE with
logits + 100 * L1), optimiser (Adam 2e-4, betas 0.5/0.999), batch and size as ganscope's Pix2PixTask, written
the way a Python user would. Prints `images_per_sec: X` (training) or, with --latency, `latency_ms: X`
(single-image inference in eval mode, median of --steps runs).
"""
import argparse
import os
import statistics
import time

import torch
import torch.nn as nn


class Level(nn.Module):
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
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def unet(downs, ngf):
    width = lambda level: ngf * min(2 ** (level - 1), 8)
    block = Level(width(downs - 1), width(downs), innermost=True)
    for level in range(downs - 2, 0, -1):
        block = Level(width(level), width(level + 1), sub=block, dropout=level >= 4)
    return Level(3, ngf, in_ch=3, sub=block, outermost=True)


def patchgan(ndf, n_layers=3):
    layers = [nn.Conv2d(6, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    mult = 1
    for n in range(1, n_layers):
        prev, mult = mult, min(2 ** n, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * mult), nn.LeakyReLU(0.2, True)]
    prev, mult = mult, min(2 ** n_layers, 8)
    layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=False), nn.BatchNorm2d(ndf * mult), nn.LeakyReLU(0.2, True),
               nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
    return nn.Sequential(*layers)


def init_weights(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--device", default="cpu")
    p.add_argument("--latency", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(1)
    dev = torch.device(a.device)
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True
    downs = a.size.bit_length() - 1
    G = unet(downs, a.width).to(dev)
    G.apply(init_weights)

    if a.latency:
        G.eval()
        x = torch.rand(1, 3, a.size, a.size, device=dev) * 2 - 1
        times = []
        with torch.no_grad():
            for i in range(a.warmup + a.steps):
                sync(dev)
                t0 = time.perf_counter()
                G(x)
                sync(dev)
                if i >= a.warmup:
                    times.append(time.perf_counter() - t0)
        print(f"latency_ms: {1000 * statistics.median(times):.3f}")
        return

    D = patchgan(a.width, min(3, max(1, downs - 3))).to(dev)
    D.apply(init_weights)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    l1 = nn.L1Loss()
    inp = torch.rand(a.batch, 3, a.size, a.size, device=dev) * 2 - 1
    tgt = torch.rand(a.batch, 3, a.size, a.size, device=dev) * 2 - 1

    def step():
        fake = G(inp)
        for q in D.parameters():
            q.requires_grad_(True)
        opt_d.zero_grad()
        pf = D(torch.cat([inp, fake.detach()], 1))
        pr = D(torch.cat([inp, tgt], 1))
        loss_d = 0.5 * (bce(pf, torch.zeros_like(pf)) + bce(pr, torch.ones_like(pr)))
        loss_d.backward()
        opt_d.step()
        for q in D.parameters():
            q.requires_grad_(False)
        opt_g.zero_grad()
        pg = D(torch.cat([inp, fake], 1))
        loss_g = bce(pg, torch.ones_like(pg)) + 100.0 * l1(fake, tgt)
        loss_g.backward()
        opt_g.step()

    for _ in range(a.warmup):
        step()
    sync(dev)
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    sync(dev)
    print(f"images_per_sec: {a.batch * a.steps / (time.perf_counter() - t0):.3f}")


if __name__ == "__main__":
    main()
