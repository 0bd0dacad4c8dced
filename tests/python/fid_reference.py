"""The Python side of ganscope's FID and KID tests: pytorch-fid 0.3.0 and torch-fidelity 0.3.0 themselves, run on
the same folders and the same weights as ganscope, with weights made here (no download).

  make_weights OUT [SEED]
      pytorch-fid's FID Inception (fid_inception_v3(): torchvision's Inception3 with the FIDInceptionA/C/E_1/E_2
      blocks, 1008 classes, no aux logits), built by pytorch-fid's own code with its weight download replaced, then
      given seeded random weights and BatchNorm statistics measured on random inputs (so activations stay in a sane
      range through all layers; the last block's outputs scaled by 1/100, see below), saved as
      torch.save(model.state_dict(), OUT): the layout of
      pt_inception-2015-12-05-6726825d.pth
  images OUT_DIR COUNT SEED KIND
      COUNT PNG images of 64x64 (KIND real: smooth colour blobs; fake: blobs of another palette with noise, some
      saved as grey or RGBA PNGs, which pytorch-fid reads through PIL's convert('RGB'))
  reference REAL_DIR FAKE_DIR WEIGHTS
      pytorch-fid's calculate_fid_given_paths path (its get_activations, calculate_frechet_distance; batch 50, CPU)
      with WEIGHTS loaded by its own InceptionV3 (strict load_state_dict), and torch-fidelity's KID estimator
      (kid_features_to_metric: degree 3, gamma 1/d, coef0 1) on the same features with subset size = the number
      of images; prints one JSON object {"fid", "kid", "kid_std", "n_real", "n_fake", "singular"}
"""
import contextlib
import io
import json
import os
import sys

import numpy as np
import torch


def fid_inception_with(state_dict_source):
    """pytorch-fid's fid_inception_v3(), its download answered by `state_dict_source()`."""
    import pytorch_fid.inception as inception
    saved = inception.load_state_dict_from_url
    inception.load_state_dict_from_url = lambda *args, **kwargs: state_dict_source()
    try:
        return inception.fid_inception_v3()
    finally:
        inception.load_state_dict_from_url = saved


def make_weights(out, seed=0):
    import torchvision.models.inception as tv_inception
    torch.manual_seed(seed)
    # First build: pytorch-fid's architecture, its load_state_dict skipped for this one construction.
    original = tv_inception.Inception3.load_state_dict
    tv_inception.Inception3.load_state_dict = lambda self, state, *args, **kwargs: None
    try:
        net = fid_inception_with(lambda: None)
    finally:
        tv_inception.Inception3.load_state_dict = original
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            elif isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0.0, 0.2)
                module.momentum = None  # cumulative average over the calibration batches
                module.reset_running_stats()
            elif isinstance(module, torch.nn.Linear):
                module.weight.normal_(0.0, 0.01)
                module.bias.zero_()
        net.train()
        for _ in range(2):
            net(torch.rand(6, 3, 299, 299) * 2 - 1)
        # The pool features come out of these BatchNorm + ReLU layers: scaled by 1/100 here. pytorch-fid's sqrtm of
        # the singular S1·S2 that a few dozen images give leaves an imaginary part, which it refuses above 1e-3
        # (absolute); with these weights' O(1) features it was 0.52 for 40 images. Small features keep it far below.
        for name in ("branch1x1", "branch3x3_2a", "branch3x3_2b", "branch3x3dbl_3a", "branch3x3dbl_3b", "branch_pool"):
            bn = getattr(net.Mixed_7c, name).bn
            bn.weight.mul_(0.01)
            bn.bias.mul_(0.01)
    net.eval()
    state = net.state_dict()
    # The same file must load into pytorch-fid's network strictly, or the test would test nothing.
    check = fid_inception_with(lambda: state)
    assert check is not None
    torch.save(state, out)
    print(f"weights: {len(state)} tensors, {sum(t.numel() for t in state.values())} values -> {out}")


def images(out_dir, count, seed, kind):
    from PIL import Image
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:64, 0:64].astype(np.float64)
    for i in range(count):
        img = np.zeros((64, 64, 3))
        palette = [(0.9, 0.3, 0.2), (0.2, 0.6, 0.9), (0.95, 0.85, 0.2)] if kind == "real" else \
                  [(0.4, 0.8, 0.3), (0.8, 0.2, 0.8), (0.3, 0.3, 0.3)]
        img += 0.08
        for _ in range(rng.integers(2, 5)):
            cx, cy = rng.uniform(10, 54, size=2)
            r = rng.uniform(5, 18)
            colour = np.array(palette[rng.integers(len(palette))]) * rng.uniform(0.7, 1.0)
            mask = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))[..., None]
            img = img * (1 - mask) + colour * mask
        if kind != "real":
            img += rng.normal(0, 0.06, img.shape)
        pixels = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
        picture = Image.fromarray(pixels, "RGB")
        if kind != "real" and i % 5 == 1:
            picture = picture.convert("L")
        elif kind != "real" and i % 5 == 2:
            alpha = Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8), "L")
            picture.putalpha(alpha)  # pytorch-fid drops alpha (convert('RGB')), it does not composite
        picture.save(os.path.join(out_dir, f"{kind}_{i:04d}.png"))


def reference(real_dir, fake_dir, weights):
    import pathlib
    import pytorch_fid.fid_score as fid_score
    import pytorch_fid.inception as inception
    from torch_fidelity.metric_kid import kid_features_to_metric

    saved = inception.load_state_dict_from_url
    inception.load_state_dict_from_url = lambda *args, **kwargs: torch.load(weights, map_location="cpu")
    try:
        model = inception.InceptionV3([inception.InceptionV3.BLOCK_INDEX_BY_DIM[2048]])
    finally:
        inception.load_state_dict_from_url = saved

    def files(path):  # compute_statistics_of_path's listing
        path = pathlib.Path(path)
        return sorted([f for ext in fid_score.IMAGE_EXTENSIONS for f in path.glob(f"*.{ext}")])

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    said = io.StringIO()  # pytorch-fid prints its warnings; stdout carries the JSON line alone
    with contextlib.redirect_stdout(said):
        act_real = fid_score.get_activations(files(real_dir), model, 50, 2048, "cpu", 0)
        act_fake = fid_score.get_activations(files(fake_dir), model, 50, 2048, "cpu", 0)
        mu1, s1 = np.mean(act_real, axis=0), np.cov(act_real, rowvar=False)
        mu2, s2 = np.mean(act_fake, axis=0), np.cov(act_fake, rowvar=False)
        fid = fid_score.calculate_frechet_distance(mu1, s1, mu2, s2)
    n = min(len(act_real), len(act_fake))
    kid = kid_features_to_metric(torch.from_numpy(act_real), torch.from_numpy(act_fake), kid_subsets=4,
                                 kid_subset_size=n, kid_degree=3, kid_gamma=None, kid_coef0=1, rng_seed=2020,
                                 verbose=False)
    print(json.dumps({"fid": float(fid), "kid": kid["kernel_inception_distance_mean"],
                      "kid_std": kid["kernel_inception_distance_std"], "n_real": len(act_real),
                      "n_fake": len(act_fake), "singular": "singular product" in said.getvalue()}))


def main(argv):
    if len(argv) >= 2 and argv[0] == "make_weights":
        make_weights(argv[1], int(argv[2]) if len(argv) > 2 else 0)
    elif len(argv) == 5 and argv[0] == "images":
        images(argv[1], int(argv[2]), int(argv[3]), argv[4])
    elif len(argv) == 4 and argv[0] == "reference":
        reference(argv[1], argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
