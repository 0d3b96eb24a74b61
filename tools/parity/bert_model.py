"""BERT sequence classifier in plain torch, matching OrtAgent's ONNX training graph.

Written functionally over a {name: tensor} dict rather than as nn.Modules so the
parameter names are exactly the bundle's names (Hugging Face BERT names) and the
linear weights keep the ONNX MatMul layout [in, out] (y = x @ W + b) without any
transposes that could hide a layout mistake.
"""

import math

import torch
import torch.nn.functional as F

POOLER_NAMES = ("pooler.dense.weight", "pooler.dense.bias")


class BundleError(ValueError):
    """The bundle does not satisfy the parity contract; the message says what is wrong."""


def expected_parameter_shapes(config):
    """{name: shape} of every parameter the classifier reads (the pooler only under "pooler" pooling)."""
    hidden = config["hidden"]
    intermediate = config["intermediate"]
    shapes = {
        "embeddings.word_embeddings.weight": [config["vocab_size"], hidden],
        "embeddings.position_embeddings.weight": [config["max_positions"], hidden],
        "embeddings.token_type_embeddings.weight": [config["type_vocab_size"], hidden],
        "embeddings.LayerNorm.weight": [hidden],
        "embeddings.LayerNorm.bias": [hidden],
        "classifier.weight": [hidden, config["num_labels"]],
        "classifier.bias": [config["num_labels"]],
    }
    if config["pooling"] == "pooler":
        shapes["pooler.dense.weight"] = [hidden, hidden]
        shapes["pooler.dense.bias"] = [hidden]
    for index in range(config["layers"]):
        prefix = f"encoder.layer.{index}."
        for projection in ("query", "key", "value"):
            shapes[f"{prefix}attention.self.{projection}.weight"] = [hidden, hidden]
            shapes[f"{prefix}attention.self.{projection}.bias"] = [hidden]
        shapes[f"{prefix}attention.output.dense.weight"] = [hidden, hidden]
        shapes[f"{prefix}attention.output.dense.bias"] = [hidden]
        shapes[f"{prefix}attention.output.LayerNorm.weight"] = [hidden]
        shapes[f"{prefix}attention.output.LayerNorm.bias"] = [hidden]
        shapes[f"{prefix}intermediate.dense.weight"] = [hidden, intermediate]
        shapes[f"{prefix}intermediate.dense.bias"] = [intermediate]
        shapes[f"{prefix}output.dense.weight"] = [intermediate, hidden]
        shapes[f"{prefix}output.dense.bias"] = [hidden]
        shapes[f"{prefix}output.LayerNorm.weight"] = [hidden]
        shapes[f"{prefix}output.LayerNorm.bias"] = [hidden]
    return shapes


def validate_weights(weights, config):
    """Raises BundleError naming every missing, unexpected or mis-shaped tensor."""
    expected = expected_parameter_shapes(config)
    hidden = config["hidden"]
    problems = []
    for name, shape in expected.items():
        if name not in weights:
            problems.append(f"missing tensor '{name}' (expected shape {shape})")
        elif list(weights[name].shape) != shape:
            actual = list(weights[name].shape)
            hint = " (looks transposed: weights must be [in, out], the MatMul layout)" if actual == shape[::-1] else ""
            problems.append(f"tensor '{name}' has shape {actual}, expected {shape}{hint}")
    for name in weights:
        if name in expected:
            continue
        if name == "pooler.dense.weight" and list(weights[name].shape) == [hidden, hidden]:
            continue
        if name == "pooler.dense.bias" and list(weights[name].shape) == [hidden]:
            continue
        hint = " (an ONNX-generated name the bundle writer should have renamed to its HF name)" \
            if name.startswith("onnx::") else ""
        problems.append(f"unexpected tensor '{name}' shape {list(weights[name].shape)}{hint}")
    if config["hidden"] % config["heads"] != 0:
        problems.append(f"hidden {config['hidden']} is not divisible by heads {config['heads']}")
    if problems:
        raise BundleError("weights.safetensors does not match config.json:\n  " + "\n  ".join(problems))


def validate_batch(batch, config):
    problems = []
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        if name not in batch:
            problems.append(f"missing '{name}'")
        elif batch[name].ndim != 2:
            problems.append(f"'{name}' has rank {batch[name].ndim}, expected [B, S]")
    if "labels" not in batch:
        problems.append("missing 'labels'")
    if problems:
        raise BundleError("batch.safetensors: " + "; ".join(problems))
    batch_size, sequence_length = batch["input_ids"].shape
    for name in ("attention_mask", "token_type_ids"):
        if tuple(batch[name].shape) != (batch_size, sequence_length):
            problems.append(f"'{name}' shape {list(batch[name].shape)} differs from input_ids {[batch_size, sequence_length]}")
    if tuple(batch["labels"].shape) != (batch_size,):
        problems.append(f"'labels' shape {list(batch['labels'].shape)}, expected [{batch_size}]")
    if sequence_length > config["max_positions"]:
        problems.append(f"sequence length {sequence_length} exceeds max_positions {config['max_positions']}")
    ranges = (("input_ids", config["vocab_size"]), ("token_type_ids", config["type_vocab_size"]),
              ("labels", config["num_labels"]), ("attention_mask", 2))
    for name, limit in ranges:
        values = batch[name]
        if values.size and (values.min() < 0 or values.max() >= limit):
            problems.append(f"'{name}' values span [{values.min()}, {values.max()}], must lie in [0, {limit})")
    if problems:
        raise BundleError("batch.safetensors: " + "; ".join(problems))


def classifier_loss(params, batch, config):
    """Mean softmax cross-entropy of the classifier on `batch` (which holds `labels`)."""
    return F.cross_entropy(classifier_logits(params, batch["input_ids"], batch["attention_mask"],
                                             batch["token_type_ids"], config), batch["labels"])


def classifier_logits(params, input_ids, attention_mask, token_type_ids, config):
    """Logits [B, num_labels] of the classifier.

    `params` maps names to tensors of one floating dtype; the inputs are int64
    [B, S] tensors. Every op mirrors the ONNX BERT export: additive mask
    (1 - mask) * attention_mask_value, exact erf GELU, no dropout.
    """
    batch_size, sequence_length = input_ids.shape
    hidden = config["hidden"]
    heads = config["heads"]
    head_dim = hidden // heads
    eps = config["layer_norm_eps"]
    dtype = params["embeddings.LayerNorm.weight"].dtype

    positions = torch.arange(sequence_length, device=input_ids.device)
    x = (params["embeddings.word_embeddings.weight"][input_ids]
         + params["embeddings.position_embeddings.weight"][positions]
         + params["embeddings.token_type_embeddings.weight"][token_type_ids])
    x = F.layer_norm(x, (hidden,), params["embeddings.LayerNorm.weight"], params["embeddings.LayerNorm.bias"], eps)

    mask = attention_mask.to(dtype)
    additive_mask = (1.0 - mask)[:, None, None, :] * config["attention_mask_value"]
    scale = 1.0 / math.sqrt(head_dim)

    def split_heads(t):
        return t.view(batch_size, sequence_length, heads, head_dim).transpose(1, 2)

    for index in range(config["layers"]):
        p = f"encoder.layer.{index}."
        query = split_heads(x @ params[p + "attention.self.query.weight"] + params[p + "attention.self.query.bias"])
        key = split_heads(x @ params[p + "attention.self.key.weight"] + params[p + "attention.self.key.bias"])
        value = split_heads(x @ params[p + "attention.self.value.weight"] + params[p + "attention.self.value.bias"])
        scores = (query @ key.transpose(-1, -2)) * scale + additive_mask
        context = torch.softmax(scores, dim=-1) @ value
        context = context.transpose(1, 2).reshape(batch_size, sequence_length, hidden)
        attention = context @ params[p + "attention.output.dense.weight"] + params[p + "attention.output.dense.bias"]
        x = F.layer_norm(attention + x, (hidden,), params[p + "attention.output.LayerNorm.weight"],
                         params[p + "attention.output.LayerNorm.bias"], eps)
        inner = F.gelu(x @ params[p + "intermediate.dense.weight"] + params[p + "intermediate.dense.bias"])
        output = inner @ params[p + "output.dense.weight"] + params[p + "output.dense.bias"]
        x = F.layer_norm(output + x, (hidden,), params[p + "output.LayerNorm.weight"],
                         params[p + "output.LayerNorm.bias"], eps)

    if config["pooling"] == "mean":
        token_weights = mask[:, :, None]
        pooled = (x * token_weights).sum(dim=1) / torch.clamp(token_weights.sum(dim=1), min=1e-9)
    elif config["pooling"] == "cls":
        pooled = x[:, 0]
    elif config["pooling"] == "pooler":
        # The base model's own pooler, as OrtAgent's PoolingMode.Pooler and HF's BertPooler: tanh(dense([CLS])).
        pooled = torch.tanh(x[:, 0] @ params["pooler.dense.weight"] + params["pooler.dense.bias"])
    else:
        raise BundleError(f"config.json pooling '{config['pooling']}' is not 'mean', 'cls' or 'pooler'")

    return pooled @ params["classifier.weight"] + params["classifier.bias"]
