"""Independent PyTorch reference for OrtAgent's BERT training graphs.

Usage: /usr/bin/python3 tools/parity/bert_reference.py <bundle-dir>

Compares OrtAgent's gradients at the initial weights against a float64 torch
reference, then replays the 20 AdamW steps in float32 and compares the loss
curves. Writes <bundle-dir>/parity_report.json. Exit codes: 0 parity holds,
1 parity fails, 2 the bundle is malformed (message on stderr).

Gradient error of one tensor (scale-free, so tiny and huge tensors are judged alike):
    max_rel_err = max|g_ortagent - g_ref| / max(max|g_ref|, 1e-4 * G, 1e-12)
where G is the largest |g_ref| over all compared tensors. Normalizing by the
tensor's largest gradient rather than per element keeps elements that are
mathematically zero (unused embedding rows) from turning rounding noise into
huge ratios. The 1e-4 * G floor does the same for tensors whose whole gradient is
mathematically zero: the attention key bias adds the same q.b_k to every score
of a query row, which softmax cancels, so its float64 gradient is ~1e-19 and
float32 rounding (~1e-10) would otherwise read as a relative error of 100s.
Such tensors are judged against the model's gradient scale instead.
"""

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bert_model import BundleError, classifier_loss  # noqa: E402
from bundle import Bundle  # noqa: E402

# float32 backprop through a few BERT layers lands near 1e-6 relative (see the
# "f32 ref" column, torch's own float32 error); 1e-3 leaves three orders of
# margin yet any wrong gradient rule (a missing transpose, a dropped term)
# shows up as an O(1) error.
GRADIENT_REL_TOLERANCE = 1e-3
# The step-0 loss involves no optimizer: only float32 rounding of a forward
# pass, about 1e-6 on an O(1) cross-entropy.
INITIAL_LOSS_ABS_TOLERANCE = 1e-4
# After AdamW steps two float32 implementations drift apart: Adam divides by
# sqrt(v), so rounding on near-zero gradient elements becomes an O(lr) step.
# The measured float32-vs-float64 reference gap (printed as the floor) stays
# orders below 1e-3 over 20 steps, while an optimizer bug that changes step
# sizes (bias correction, clipping, learning-rate indexing) moves an O(1) loss
# by more than 1e-3 within a few steps.
LOSS_CURVE_ABS_TOLERANCE = 1e-3
# Gradient norms follow the trajectory like the loss, judged relative to their size.
GRAD_NORM_REL_TOLERANCE = 1e-3
ZERO_SCALE_FLOOR = 1e-12
# Tensors whose reference gradient is below this fraction of the model's
# largest are judged against it (see the module doc: mathematically-zero gradients).
MODEL_SCALE_FLOOR = 1e-4


def to_torch_params(weights, dtype, trainable):
    params = {}
    for name, array in weights.items():
        tensor = torch.from_numpy(np.array(array, dtype=np.float64)).to(dtype)
        params[name] = tensor.requires_grad_(name in trainable)
    return params


def to_torch_batch(batch):
    return {name: torch.from_numpy(np.asarray(array, dtype=np.int64)) for name, array in batch.items()}


def reference_gradients(bundle, dtype):
    """(loss, {name: gradient as float64 numpy}) at the initial weights, in `dtype`."""
    params = to_torch_params(bundle.weights, dtype, set(bundle.trainable))
    loss = classifier_loss(params, to_torch_batch(bundle.batch), bundle.config)
    loss.backward()
    return loss.item(), {name: params[name].grad.to(torch.float64).numpy() for name in bundle.trainable}


def max_abs(array):
    return float(np.max(np.abs(array))) if array.size else 0.0


def relative_error(candidate, reference, floor):
    difference = max_abs(candidate.astype(np.float64) - reference)
    return difference / max(max_abs(reference), floor, ZERO_SCALE_FLOOR)


def compare_gradients(bundle, reference64, reference32):
    floor = MODEL_SCALE_FLOOR * max(max_abs(gradient) for gradient in reference64.values())
    rows = []
    for name, ortagent in bundle.ortagent_grads.items():
        # Pooler gradients, when reported, must be zero: the head never reads the pooler.
        reference = reference64.get(name, np.zeros(ortagent.shape))
        float32_error = relative_error(reference32[name], reference, floor) if name in reference32 else 0.0
        rows.append({"tensor": name, "shape": list(ortagent.shape), "max_abs_ref": max_abs(reference),
                     "judged_on_model_scale": max_abs(reference) < floor,
                     "max_rel_err": relative_error(ortagent, reference, floor), "f32_ref_rel_err": float32_error})
    rows.sort(key=lambda row: row["max_rel_err"], reverse=True)
    return rows


def run_adamw(bundle, dtype):
    """Replays the bundle's optimizer run: returns (losses, pre-clip gradient norms), steps+1 each."""
    config = bundle.config
    options = config["optimizer"]
    params = to_torch_params(bundle.weights, dtype, set(bundle.trainable))
    batch = to_torch_batch(bundle.batch)
    no_decay = set(options["no_decay"])
    trainable = [params[name] for name in bundle.trainable]
    groups = [
        {"params": [params[n] for n in bundle.trainable if n not in no_decay], "weight_decay": options["weight_decay"]},
        {"params": [params[n] for n in bundle.trainable if n in no_decay], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW([group for group in groups if group["params"]], lr=options["lr"][0],
                                  betas=tuple(options["betas"]), eps=options["eps"])
    losses, norms = [], []
    for step in range(config["steps"] + 1):
        optimizer.zero_grad(set_to_none=True)
        loss = classifier_loss(params, batch, config)
        loss.backward()
        losses.append(loss.item())
        if step == config["steps"]:
            norms.append(torch.norm(torch.stack([p.grad.norm() for p in trainable])).item())
            break
        if options["max_grad_norm"] > 0:
            norms.append(torch.nn.utils.clip_grad_norm_(trainable, options["max_grad_norm"]).item())
        else:
            # OrtAgent reads max_grad_norm <= 0 as "no clipping" (clip_grad_norm_ would zero every gradient).
            norms.append(torch.norm(torch.stack([p.grad.norm() for p in trainable])).item())
        for group in optimizer.param_groups:
            group["lr"] = options["lr"][step]
        optimizer.step()
    return losses, norms


def print_gradient_table(rows):
    width = max(len(row["tensor"]) for row in rows)
    print(f"{'tensor':<{width}}  {'shape':<14}  {'max|g_ref|':>10}  {'max rel err':>11}  {'f32 ref':>9}")
    for row in rows:
        shape = "x".join(str(dim) for dim in row["shape"])
        flag = "  FAIL" if row["max_rel_err"] > GRADIENT_REL_TOLERANCE else ""
        if row["judged_on_model_scale"]:
            flag += "  (~0 gradient: judged on the model's scale)"
        print(f"{row['tensor']:<{width}}  {shape:<14}  {row['max_abs_ref']:>10.3e}  "
              f"{row['max_rel_err']:>11.3e}  {row['f32_ref_rel_err']:>9.2e}{flag}")


def print_curves(ortagent_losses, losses32, losses64, ortagent_norms, norms32):
    print(f"{'step':>4}  {'ortagent loss':>14}  {'ref f32 loss':>14}  {'|diff|':>9}  "
          f"{'ortagent norm':>13}  {'ref f32 norm':>13}")
    for step, (ours, theirs) in enumerate(zip(ortagent_losses, losses32)):
        norm_ours = f"{ortagent_norms[step]:>13.6f}" if step < len(ortagent_norms) else f"{'-':>13}"
        print(f"{step:>4}  {ours:>14.8f}  {theirs:>14.8f}  {abs(ours - theirs):>9.2e}  "
              f"{norm_ours}  {norms32[step]:>13.6f}")


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    torch.set_num_threads(2)
    directory = argv[1]
    try:
        bundle = Bundle(directory)
    except BundleError as error:
        print(f"parity bundle {directory}: {error}", file=sys.stderr)
        return 2

    config = bundle.config
    print(f"bundle {directory}: {config['layers']} layers, hidden {config['hidden']}, heads {config['heads']}, "
          f"pooling {config['pooling']}, batch {list(bundle.batch['input_ids'].shape)}, "
          f"{len(bundle.trainable)} trainable tensors, {len(config['frozen'])} frozen")

    loss64, grads64 = reference_gradients(bundle, torch.float64)
    _, grads32 = reference_gradients(bundle, torch.float32)
    rows = compare_gradients(bundle, grads64, grads32)
    print("\nGradients at the initial weights (reference: float64 torch; "
          "rel err = max|g_ortagent - g_ref| / max(max|g_ref|, 1e-4 * largest |g_ref| of all tensors, 1e-12); "
          "'f32 ref' is torch float32 judged the same way, the float32 floor):")
    print_gradient_table(rows)

    initial_loss_difference = abs(bundle.ortagent_losses[0] - loss64)
    print(f"\nInitial loss: ortagent {bundle.ortagent_losses[0]:.8f}  reference f64 {loss64:.8f}  "
          f"|diff| {initial_loss_difference:.2e} (tolerance {INITIAL_LOSS_ABS_TOLERANCE:g})")

    losses32, norms32 = run_adamw(bundle, torch.float32)
    losses64, _ = run_adamw(bundle, torch.float64)
    print(f"\nAdamW, {config['steps']} steps on the same batch (reference in float32, as OrtAgent runs):")
    print_curves(bundle.ortagent_losses, losses32, losses64, bundle.ortagent_grad_norms, norms32)
    curve_difference = max(abs(a - b) for a, b in zip(bundle.ortagent_losses, losses32))
    float32_floor = max(abs(a - b) for a, b in zip(losses64, losses32))
    norm_errors = [abs(a - b) / max(abs(b), ZERO_SCALE_FLOOR) for a, b in zip(bundle.ortagent_grad_norms, norms32)]
    norm_error = max(norm_errors, default=0.0)
    print(f"max |loss diff| {curve_difference:.2e} (tolerance {LOSS_CURVE_ABS_TOLERANCE:g}); "
          f"float32-vs-float64 reference floor {float32_floor:.2e}")
    print(f"max grad-norm rel err {norm_error:.2e} (tolerance {GRAD_NORM_REL_TOLERANCE:g}, "
          f"{len(norm_errors)} norms compared)")

    failures = [f"gradient {row['tensor']} rel err {row['max_rel_err']:.3e} > {GRADIENT_REL_TOLERANCE:g}"
                for row in rows if row["max_rel_err"] > GRADIENT_REL_TOLERANCE]
    if initial_loss_difference > INITIAL_LOSS_ABS_TOLERANCE:
        failures.append(f"initial loss differs by {initial_loss_difference:.3e} > {INITIAL_LOSS_ABS_TOLERANCE:g}")
    if curve_difference > LOSS_CURVE_ABS_TOLERANCE:
        failures.append(f"loss curve differs by up to {curve_difference:.3e} > {LOSS_CURVE_ABS_TOLERANCE:g}")
    if norm_error > GRAD_NORM_REL_TOLERANCE:
        failures.append(f"gradient norms differ by up to {norm_error:.3e} relative > {GRAD_NORM_REL_TOLERANCE:g}")

    report = {
        "passed": not failures,
        "failures": failures,
        "error_definition": "max|g_ortagent - g_ref| / max(max|g_ref|, 1e-4 * G, 1e-12) per tensor, g_ref in "
                            "float64, G the largest |g_ref| over all tensors",
        "tolerances": {"gradient_rel": GRADIENT_REL_TOLERANCE, "initial_loss_abs": INITIAL_LOSS_ABS_TOLERANCE,
                       "loss_curve_abs": LOSS_CURVE_ABS_TOLERANCE, "grad_norm_rel": GRAD_NORM_REL_TOLERANCE},
        "gradients": rows,
        "initial_loss": {"ortagent": bundle.ortagent_losses[0], "reference_f64": loss64,
                         "abs_diff": initial_loss_difference},
        "loss_curve": {"ortagent": bundle.ortagent_losses, "reference_f32": losses32, "reference_f64": losses64,
                       "max_abs_diff": curve_difference, "float32_floor": float32_floor},
        "grad_norms": {"ortagent": bundle.ortagent_grad_norms, "reference_f32": norms32, "max_rel_err": norm_error},
    }
    with open(os.path.join(directory, "parity_report.json"), "w", encoding="utf-8") as stream:
        json.dump(report, stream, indent=2)

    print("\nPARITY " + ("PASSED" if not failures else "FAILED:\n  " + "\n  ".join(failures)))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
