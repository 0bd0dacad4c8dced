"""Seed corpus for the fuzz targets (tests/fuzz/corpus/TARGET/), the Python-made part.

Usage: .venv/bin/python tests/fuzz/make_corpus.py tests/fuzz/corpus
Writes real files as PyTorch writes them (a torch.save zip and a legacy file of a tiny state_dict, their
pickles alone), safetensors files as its Python package writes them, small images in each format stb reads, and a config.json / metrics.jsonl. The ganscope-made
seeds (a tiny checkpoint, fixed latents, a history snapshot) come from `ml_tests --write-fuzz-seeds DIR`, which
also writes the fixed_latents/ and snapshot/ seeds beside DIR.
Seeds are kept small (kilobytes) so each fuzz run mutates them quickly.
"""
import collections
import io
import json
import os
import sys
import zipfile

import torch
from PIL import Image


def main(out):
    for t in ("pickle", "torch_save", "checkpoint", "image", "config", "safetensors"):
        os.makedirs(os.path.join(out, t), exist_ok=True)
    torch.manual_seed(0)
    state = collections.OrderedDict(
        [("model.model.0.weight", torch.randn(2, 3, 4, 4)), ("model.model.1.bias", torch.randn(4)),
         ("model.model.1.running_mean", torch.zeros(4, dtype=torch.float64)), ("model.model.1.num_batches_tracked", torch.tensor(7)),
         ("half", torch.randn(3).half())])
    zip_path = os.path.join(out, "torch_save", "state_dict_zip.pth")
    torch.save(state, zip_path)
    torch.save(state, os.path.join(out, "torch_save", "state_dict_legacy.pth"), _use_new_zipfile_serialization=False)
    # A parameter-wrapped tensor and a view sharing a storage.
    base = torch.arange(12.0)
    torch.save({"p": torch.nn.Parameter(torch.ones(2, 2)), "view": base[2:8].view(2, 3)},
               os.path.join(out, "torch_save", "parameter_and_view.pth"))
    with zipfile.ZipFile(zip_path) as z:
        for name in z.namelist():
            if name.endswith("data.pkl"):
                open(os.path.join(out, "pickle", "state_dict.pkl"), "wb").write(z.read(name))
    # Hand-written pickles: protocols 0 to 5 of a small structure.
    for proto in range(6):
        obj = collections.OrderedDict([("a", [1, 2.5, "x", None, True]), ("b", (1, (2, (3,)))), ("c", {"d": b"\x00\xff"})])
        open(os.path.join(out, "pickle", "protocol%d.pkl" % proto), "wb").write(__import__("pickle").dumps(obj, protocol=proto))
    images = os.path.join(out, "image")
    im = Image.new("RGBA", (8, 6), (200, 30, 60, 128))
    for x in range(8):
        im.putpixel((x, x % 6), (x * 30, 255 - x * 30, 7, 255))
    im.save(os.path.join(images, "rgba.png"))
    im.convert("L").save(os.path.join(images, "gray.png"))
    im.convert("RGB").save(os.path.join(images, "rgb.jpg"), quality=80)
    im.convert("RGB").save(os.path.join(images, "rgb_progressive.jpg"), progressive=True)
    im.convert("RGB").save(os.path.join(images, "rgb.bmp"))
    im.convert("P").save(os.path.join(images, "palette.gif"))
    im.save(os.path.join(images, "rgba.tga"))
    im.convert("RGB").save(os.path.join(images, "rgb.ppm"))
    # safetensors as the Python package writes them: every dtype, metadata, an empty and a 0-d tensor.
    from safetensors.torch import save_file
    save_file({"w": torch.randn(2, 3), "h": torch.randn(3).half(), "b": torch.randn(2).bfloat16(),
               "i": torch.arange(3), "u": torch.tensor([1, 2], dtype=torch.uint8), "t": torch.tensor([True]),
               "empty": torch.zeros(0, 2), "scalar": torch.tensor(1.5)},
              os.path.join(out, "safetensors", "tensors.safetensors"), metadata={"format": "pt"})
    save_file({"main.0.weight": torch.randn(4, 2, 4, 4)}, os.path.join(out, "safetensors", "one.safetensors"))
    config = {"model": "pix2pix", "data": "x", "image_size": 32, "g_width": 8, "background": [1, 2, 3],
              "lr_g": 0.0002, "steps": 10, "direction": "BtoA", "pairs": "edges"}
    json.dump(config, open(os.path.join(out, "config", "config.json"), "w"), indent=2)
    with open(os.path.join(out, "config", "metrics.jsonl"), "w") as f:
        for step in range(1, 4):
            f.write(json.dumps({"step": step, "epoch": 0, "loss_g": 1.5, "loss_d": None, "d_real": 0.5,
                                "d_fake": 0.25, "images_per_sec": 10.0, "seconds": step * 0.1}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
