"""Writes a small synthetic parity bundle so bert_reference.py can be tested without the C# side.

Usage: /usr/bin/python3 tools/parity/make_test_bundle.py <out-dir> [--perturb-grads REL]
           [--optimizer-bug {none,no-bias-correction,no-clip,decay-all,lr-off-by-one}] [--pooling mean|cls|pooler]
           [--no-decay SUFFIXES] [--leave-onnx-name] [--seed N]

The "ortagent" figures stand in for what OrtAgent would write: gradients from
the reference model run in float32 (so the comparison meets real float32
rounding, not a bit-identical copy), and a loss curve from a separate, hand-written
float32 AdamW rather than torch.optim.AdamW, so a passing self-test also checks
that the reference's optimizer settings mean what the contract says. The bug
options model plausible OrtAgent mistakes, to show which ones the comparison catches.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bert_model import classifier_loss, expected_parameter_shapes  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

OPTIMIZER_BUGS = ("none", "no-bias-correction", "no-clip", "decay-all", "lr-off-by-one")
# The tensor whose gradient --perturb-grads corrupts; a mid-network weight, so
# the test shows a single bad tensor is enough to fail.
PERTURBED_TENSOR = "encoder.layer.1.attention.self.value.weight"


def synthetic_config(pooling):
    steps = 20
    warmup = 2
    peak = 1e-3
    # Linear warmup then linear decay, like the schedules OrtAgent uses, so a
    # learning-rate indexing mistake changes the rates it reads.
    rates = [peak * (step + 1) / warmup if step < warmup else peak * (steps - step) / (steps - warmup)
             for step in range(steps)]
    return {
        "layers": 2, "hidden": 32, "heads": 4, "intermediate": 64, "layer_norm_eps": 1e-12,
        "vocab_size": 100, "max_positions": 64, "type_vocab_size": 2, "pooling": pooling, "num_labels": 3,
        "attention_mask_value": -10000.0,
        "optimizer": {"lr": rates, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01,
                      "no_decay": [], "max_grad_norm": 1.0},
        "steps": steps,
        # A frozen embedding table exercises the frozen path the way OrtAgent's
        # --freeze option would.
        "frozen": ["embeddings.token_type_embeddings.weight"],
    }


def synthetic_weights(config, generator):
    shapes = expected_parameter_shapes(config)
    shapes["pooler.dense.weight"] = [config["hidden"], config["hidden"]]
    shapes["pooler.dense.bias"] = [config["hidden"]]
    weights = {}
    for name, shape in shapes.items():
        noise = torch.randn(shape, generator=generator, dtype=torch.float64)
        # Larger than BERT's 0.02 init so activations and gradients are O(1)
        # and a wrong rule cannot hide below the noise.
        weights[name] = (1.0 + 0.1 * noise) if name.endswith("LayerNorm.weight") else 0.1 * noise
    return {name: tensor.to(torch.float32).numpy() for name, tensor in weights.items()}


def synthetic_batch(config, generator):
    batch_size, sequence_length = 4, 12
    lengths = [12, 9, 5, 2]  # padding in most rows, so masking and mean pooling matter
    input_ids = torch.randint(1, config["vocab_size"], (batch_size, sequence_length), generator=generator)
    attention_mask = torch.zeros(batch_size, sequence_length, dtype=torch.int64)
    token_type_ids = torch.zeros(batch_size, sequence_length, dtype=torch.int64)
    for row, length in enumerate(lengths):
        attention_mask[row, :length] = 1
        input_ids[row, length:] = 0
        token_type_ids[row, length // 2:length] = 1
    labels = torch.tensor([0, 1, 2, 1])
    return {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy(),
            "token_type_ids": token_type_ids.numpy(), "labels": labels.numpy()}


def trainable_names(config, weights):
    frozen = set(config["frozen"])
    unused = () if config["pooling"] == "pooler" else ("pooler.",)
    return [name for name in weights if name not in frozen and not (unused and name.startswith(unused))]


def float32_params(weights, trainable):
    return {name: torch.from_numpy(array.copy()).requires_grad_(name in trainable) for name, array in weights.items()}


def hand_written_adamw(config, weights, batch, trainable, bug):
    """float32 AdamW written out from its update rule (as torch documents it), with optional mistakes."""
    options = config["optimizer"]
    beta1, beta2 = options["betas"]
    no_decay = set(options["no_decay"])
    params = float32_params(weights, set(trainable))
    first_moment = {name: torch.zeros_like(params[name]) for name in trainable}
    second_moment = {name: torch.zeros_like(params[name]) for name in trainable}
    losses, norms = [], []
    for step in range(config["steps"] + 1):
        for name in trainable:
            params[name].grad = None
        loss = classifier_loss(params, batch, config)
        loss.backward()
        losses.append(loss.item())
        grads = {name: params[name].grad for name in trainable}
        total_norm = torch.sqrt(sum((grad * grad).sum() for grad in grads.values())).item()
        norms.append(total_norm)
        if step == config["steps"]:
            break
        clip = min(1.0, options["max_grad_norm"] / (total_norm + 1e-6))
        if bug == "no-clip" or options["max_grad_norm"] <= 0:
            clip = 1.0
        rate = options["lr"][min(step + 1, config["steps"] - 1)] if bug == "lr-off-by-one" else options["lr"][step]
        t = step + 1
        correction1 = 1.0 if bug == "no-bias-correction" else 1.0 - beta1 ** t
        correction2 = 1.0 if bug == "no-bias-correction" else 1.0 - beta2 ** t
        with torch.no_grad():
            for name in trainable:
                grad = grads[name] * clip
                decays = bug == "decay-all" or name not in no_decay
                if decays:
                    params[name].mul_(1.0 - rate * options["weight_decay"])
                first_moment[name].mul_(beta1).add_(grad, alpha=1.0 - beta1)
                second_moment[name].mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
                denominator = (second_moment[name].sqrt() / (correction2 ** 0.5)).add_(options["eps"])
                params[name].addcdiv_(first_moment[name], denominator, value=-rate / correction1)
    return losses, norms


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--perturb-grads", type=float, default=0.0, metavar="REL",
                        help=f"add noise of this size, relative to the tensor's largest gradient, to {PERTURBED_TENSOR}")
    parser.add_argument("--optimizer-bug", choices=OPTIMIZER_BUGS, default="none")
    parser.add_argument("--pooling", choices=("mean", "cls", "pooler"), default="mean")
    parser.add_argument("--no-decay", default="bias,LayerNorm.weight",
                        help="comma-separated name suffixes excluded from weight decay (HF's usual choice)")
    parser.add_argument("--leave-onnx-name", action="store_true",
                        help="store one MatMul weight under an ONNX-generated name, as an unrenamed export would, "
                             "so the reference's refusal can be tested")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()

    torch.set_num_threads(2)
    generator = torch.Generator().manual_seed(args.seed)
    config = synthetic_config(args.pooling)
    weights = synthetic_weights(config, generator)
    suffixes = tuple(suffix for suffix in args.no_decay.split(",") if suffix)
    config["optimizer"]["no_decay"] = sorted(name for name in weights if suffixes and name.endswith(suffixes))
    numpy_batch = synthetic_batch(config, generator)
    batch = {name: torch.from_numpy(array) for name, array in numpy_batch.items()}
    trainable = trainable_names(config, weights)

    params = float32_params(weights, set(trainable))
    classifier_loss(params, batch, config).backward()
    grads = {name: params[name].grad.numpy().copy() for name in trainable}
    if args.perturb_grads:
        target = grads[PERTURBED_TENSOR]
        noise = torch.randn(target.shape, generator=generator).numpy()
        target += args.perturb_grads * np.abs(target).max() * noise / np.abs(noise).max()

    losses, norms = hand_written_adamw(config, weights, batch, trainable, args.optimizer_bug)

    if args.leave_onnx_name:
        weights["onnx::MatMul_1234"] = weights.pop("encoder.layer.0.intermediate.dense.weight")

    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "config.json"), "w", encoding="utf-8") as stream:
        json.dump(config, stream, indent=2)
    write_safetensors(os.path.join(args.out_dir, "weights.safetensors"), weights)
    write_safetensors(os.path.join(args.out_dir, "batch.safetensors"), numpy_batch)
    write_safetensors(os.path.join(args.out_dir, "ortagent_grads.safetensors"), grads,
                      metadata={"producer": "make_test_bundle.py", "perturb_grads": args.perturb_grads})
    with open(os.path.join(args.out_dir, "ortagent_losses.json"), "w", encoding="utf-8") as stream:
        json.dump({"losses": losses, "grad_norms": norms}, stream, indent=2)
    print(f"wrote {args.out_dir}: {len(weights)} weights, {len(trainable)} trainable, loss {losses[0]:.6f} -> "
          f"{losses[-1]:.6f}, perturb_grads {args.perturb_grads:g}, optimizer bug {args.optimizer_bug}")


if __name__ == "__main__":
    main()
