#!/usr/bin/python3
"""PyTorch reference for tools/bench: the same BERT classifier, from the same weights, timed the same way.

Run by the C# bench (one configuration per process, so peak RSS is per configuration) as

    /usr/bin/python3 tools/bench/torch_bench.py --weights artifacts/checkpoint/model.safetensors \
        --config train:64 --threads 2 --batch 32 --steps 10 --warmup 2 --out result.json

Configurations:
  train:S   forward + backward + clip_grad_norm_(1.0) + torch.optim.AdamW step on batch x S full-length rows
  infer:S   torch.no_grad forward (encoder, pooling, logits, cross-entropy) on batch x S, sequences/s; and batch-1 latency on 16 tokens
  matmul:N  an N x N x N float32 matmul (the BLAS peak torch reaches with these threads; fastest of --runs)

--device cuda runs the same on the GPU (timings synchronise the device; peak_device_mib is torch's peak allocation).

The model is tools/parity/bert_model.py (plain torch, OrtAgent's weight layout); nothing is copied from it.
Writes one JSON object of numbers to --out.
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_model import classifier_loss  # noqa: E402
from safetensors_io import read_safetensors  # noqa: E402


def peak_rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def median(values):
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def percentile(values, percent):
    ordered = sorted(values)
    rank = math.ceil(percent / 100 * len(ordered))
    return ordered[min(max(rank - 1, 0), len(ordered) - 1)]


def synchronize(device):
    """Waits for the device's queued work, so that a timer read afterwards covers it (CUDA runs asynchronously)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def now(device):
    synchronize(device)
    return time.perf_counter()


def load_model(path, heads):
    """Parameters as float32 leaf tensors and the config bert_model.classifier_loss reads, derived from the shapes."""
    arrays = read_safetensors(path)
    params = {name: torch.from_numpy(array) for name, array in arrays.items()}
    hidden = params["embeddings.LayerNorm.weight"].shape[0]
    layers = 1 + max(int(name.split(".")[2]) for name in params if name.startswith("encoder.layer."))
    if "embeddings.token_type_embeddings.weight" not in params:
        params["embeddings.token_type_embeddings.weight"] = torch.zeros(2, hidden)
    config = {
        "hidden": hidden,
        "heads": heads,
        "layers": layers,
        "intermediate": params["encoder.layer.0.intermediate.dense.weight"].shape[1],
        "vocab_size": params["embeddings.word_embeddings.weight"].shape[0],
        "max_positions": params["embeddings.position_embeddings.weight"].shape[0],
        "type_vocab_size": params["embeddings.token_type_embeddings.weight"].shape[0],
        "num_labels": params["classifier.weight"].shape[1],
        "layer_norm_eps": 1e-12,
        "attention_mask_value": -10000.0,
        "pooling": "mean",
    }
    return params, config


def full_length_batch(batch_size, sequence_length, vocab_size, num_labels, seed, device):
    generator = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(1000, min(30000, vocab_size), (batch_size, sequence_length), generator=generator)
    input_ids[:, 0] = 101
    input_ids[:, -1] = 102
    batch = {
        "input_ids": input_ids,
        "attention_mask": torch.ones(batch_size, sequence_length, dtype=torch.int64),
        "token_type_ids": torch.zeros(batch_size, sequence_length, dtype=torch.int64),
        "labels": torch.randint(0, num_labels, (batch_size,), generator=generator),
    }
    return {name: tensor.to(device) for name, tensor in batch.items()}


def bench_train(params, config, args, sequence_length):
    trainable = [tensor.requires_grad_(True) for tensor in params.values()]
    optimizer = torch.optim.AdamW(trainable, lr=2e-5, weight_decay=0.01)
    batch = full_length_batch(args.batch, sequence_length, config["vocab_size"], config["num_labels"], seed=7, device=args.device)
    totals, forward_backward, optimizer_times = [], [], []
    for step in range(args.warmup + args.steps):
        start = now(args.device)
        loss = classifier_loss(params, batch, config)
        loss.backward()
        after_backward = now(args.device)
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        end = now(args.device)
        if step >= args.warmup:
            totals.append((end - start) * 1000)
            forward_backward.append((after_backward - start) * 1000)
            optimizer_times.append((end - after_backward) * 1000)
    ms = median(totals)
    return {
        "ms_per_step": ms,
        "samples_per_s": args.batch * 1000 / ms,
        "forward_backward_ms": median(forward_backward),
        "optimizer_ms": median(optimizer_times),
        "min_ms_per_step": min(totals),
        "steps": len(totals),
    }


def bench_infer(params, config, args, sequence_length):
    results = {}
    with torch.no_grad():
        def predict(batch):
            # bert_model.classifier_loss ends in cross-entropy rather than softmax; on [batch, 2] logits either costs
            # microseconds next to the encoder, so the loss forward stands for the classifier forward.
            return classifier_loss(params, batch, config)

        batch = full_length_batch(args.batch, sequence_length, config["vocab_size"], config["num_labels"], seed=7, device=args.device)
        for _ in range(2):
            predict(batch)
        times = []
        for _ in range(args.runs):
            start = now(args.device)
            predict(batch)
            times.append((now(args.device) - start) * 1000)
        results[f"seq_per_s_s{sequence_length}"] = args.batch * 1000 / median(times)

        latencies = []
        for i in range(args.latency_runs + 10):
            single = full_length_batch(1, 16, config["vocab_size"], config["num_labels"], seed=1000 + i, device=args.device)
            start = now(args.device)
            predict(single)
            if i >= 10:
                latencies.append((now(args.device) - start) * 1000)
        results["latency_p50_ms"] = percentile(latencies, 50)
        results["latency_p99_ms"] = percentile(latencies, 99)
    return results


def bench_matmul(args, n):
    generator = torch.Generator().manual_seed(3)
    a = (torch.rand(n, n, generator=generator) - 0.5).to(args.device)
    b = (torch.rand(n, n, generator=generator) - 0.5).to(args.device)
    times = []
    for i in range(args.runs + 2):
        start = now(args.device)
        torch.matmul(a, b)
        if i >= 2:
            times.append((now(args.device) - start) * 1000)
    # Fastest run, as the C# bench: the peak the engine reaches, least disturbed by other work on the machine.
    ms = min(times)
    return {"n": n, "ms": ms, "median_ms": median(times), "gflops": 2.0 * n ** 3 / (ms / 1000) / 1e9,
            "median_gflops": 2.0 * n ** 3 / (median(times) / 1000) / 1e9}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", required=True, help="OrtAgent checkpoint model.safetensors")
    parser.add_argument("--config", required=True, help="train:S, infer:S or matmul:N")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--latency-runs", type=int, default=200)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    args.device = torch.device(args.device)
    if args.device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: this torch build sees no CUDA device")

    torch.set_num_threads(args.threads)
    kind, _, size = args.config.partition(":")
    if kind == "matmul":
        results = bench_matmul(args, int(size))
    else:
        params, config = load_model(args.weights, args.heads)
        params = {name: tensor.to(args.device) for name, tensor in params.items()}
        if kind == "train":
            results = bench_train(params, config, args, int(size))
        elif kind == "infer":
            results = bench_infer(params, config, args, int(size))
        else:
            parser.error(f"unknown configuration '{args.config}'")
    results["peak_rss_mib"] = peak_rss_mib()
    if args.device.type == "cuda":
        results["peak_device_mib"] = torch.cuda.max_memory_allocated(args.device) / 2 ** 20
    results["torch_threads"] = torch.get_num_threads()
    with open(args.out, "w") as stream:
        json.dump({"torch_version": torch.__version__, **results}, stream, indent=1)


if __name__ == "__main__":
    main()
