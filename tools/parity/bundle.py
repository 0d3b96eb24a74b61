"""Loading and validating a parity bundle (the directory the C# side writes).

Everything the contract promises is checked here, up front, so a malformed
bundle fails with one message naming the file and the tensor instead of a torch
shape error halfway through the comparison.
"""

import json
import os

import numpy as np

from bert_model import POOLER_NAMES, BundleError, validate_batch, validate_weights
from safetensors_io import SafeTensorsFormatError, read_safetensors

CONFIG_KEYS = ("layers", "hidden", "heads", "intermediate", "layer_norm_eps", "vocab_size", "max_positions",
               "type_vocab_size", "pooling", "num_labels", "attention_mask_value", "optimizer", "steps", "frozen")
OPTIMIZER_KEYS = ("lr", "betas", "eps", "weight_decay", "no_decay", "max_grad_norm")


class Bundle:
    """The parsed bundle: config, weights, batch, OrtAgent's gradients and loss curve.

    `trainable` lists the parameters the optimizer updates: every weight the
    classifier reads, minus `frozen`. Unless pooling is "pooler", the pooler (when
    present) is never read by the head, so its gradient is identically zero and it is left out of
    the optimizer (torch skips a parameter whose grad is None, weight decay
    included); OrtAgent may still report its gradients, which must then be zero.
    """

    def __init__(self, directory):
        self.directory = directory
        self.config = _read_json(directory, "config.json")
        _validate_config(self.config)
        self.weights = _read_tensors(directory, "weights.safetensors")
        self.batch = _read_tensors(directory, "batch.safetensors")
        self.ortagent_grads = _read_tensors(directory, "ortagent_grads.safetensors")
        curves = _read_json(directory, "ortagent_losses.json")

        validate_weights(self.weights, self.config)
        validate_batch(self.batch, self.config)

        frozen = set(self.config["frozen"])
        unknown_frozen = sorted(frozen - set(self.weights))
        if unknown_frozen:
            raise BundleError(f"config.json frozen names tensors that are not in weights: {unknown_frozen}")
        unknown_no_decay = sorted(set(self.config["optimizer"]["no_decay"]) - set(self.weights))
        if unknown_no_decay:
            raise BundleError(f"config.json optimizer.no_decay names tensors that are not in weights: {unknown_no_decay}")

        unused = set() if self.config["pooling"] == "pooler" else set(POOLER_NAMES)
        self.trainable = [name for name in self.weights if name not in frozen and name not in unused]
        if not self.trainable:
            raise BundleError("every parameter is frozen; there is nothing to compare")
        self._validate_grads(frozen)
        self._read_curves(curves)

    def _validate_grads(self, frozen):
        problems = []
        for name in self.trainable:
            if name not in self.ortagent_grads:
                problems.append(f"no gradient for trainable '{name}'")
            elif self.ortagent_grads[name].shape != self.weights[name].shape:
                problems.append(f"gradient '{name}' has shape {list(self.ortagent_grads[name].shape)}, "
                                f"the weight has {list(self.weights[name].shape)}")
        for name in self.ortagent_grads:
            if name in self.trainable:
                continue
            if name in POOLER_NAMES and name in self.weights and name not in frozen:
                continue
            why = "a frozen parameter" if name in frozen else "not a trainable parameter"
            problems.append(f"gradient '{name}' is {why}")
        if problems:
            raise BundleError("ortagent_grads.safetensors:\n  " + "\n  ".join(problems))

    def _read_curves(self, curves):
        steps = self.config["steps"]
        losses = curves.get("losses")
        if not isinstance(losses, list) or len(losses) != steps + 1:
            raise BundleError(f"ortagent_losses.json: 'losses' must list {steps + 1} values "
                              f"(step 0 plus one after each of {steps} steps)")
        self.ortagent_losses = [float(value) for value in losses]
        norms = curves.get("grad_norms", [])
        # The norm after the last step needs one more backward pass, which a
        # producer may skip; both lengths are accepted and compared as far as given.
        if not isinstance(norms, list) or len(norms) not in (0, steps, steps + 1):
            raise BundleError(f"ortagent_losses.json: 'grad_norms' must list {steps} or {steps + 1} values")
        self.ortagent_grad_norms = [float(value) for value in norms]


def _read_json(directory, file_name):
    path = os.path.join(directory, file_name)
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    except FileNotFoundError as error:
        raise BundleError(f"{path} is missing") from error
    except json.JSONDecodeError as error:
        raise BundleError(f"{path} is not valid JSON ({error})") from error


def _read_tensors(directory, file_name):
    path = os.path.join(directory, file_name)
    if not os.path.exists(path):
        raise BundleError(f"{path} is missing")
    try:
        tensors = read_safetensors(path)
    except SafeTensorsFormatError as error:
        raise BundleError(str(error)) from error
    for name, array in tensors.items():
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise BundleError(f"{path}: tensor '{name}' contains NaN or infinity")
    return tensors


def _validate_config(config):
    missing = [key for key in CONFIG_KEYS if key not in config]
    if missing:
        raise BundleError(f"config.json lacks {missing}")
    optimizer = config["optimizer"]
    missing = [key for key in OPTIMIZER_KEYS if key not in optimizer]
    if missing:
        raise BundleError(f"config.json optimizer lacks {missing}")
    if len(optimizer["lr"]) != config["steps"]:
        raise BundleError(f"config.json optimizer.lr lists {len(optimizer['lr'])} rates for {config['steps']} steps")
    if config["pooling"] not in ("mean", "cls", "pooler"):
        raise BundleError(f"config.json pooling '{config['pooling']}' is not 'mean', 'cls' or 'pooler'")
    if len(optimizer["betas"]) != 2:
        raise BundleError("config.json optimizer.betas must hold two values")
