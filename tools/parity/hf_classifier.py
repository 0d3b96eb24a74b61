"""A classifier trained in Python, exported with torch.onnx.export in the Hugging Face layout, for OrtAgent to serve.

Usage: /usr/bin/python3 tools/parity/hf_classifier.py export <dir>
       /usr/bin/python3 tools/parity/hf_classifier.py check <dir> <predictions.jsonl>

`export` trains the plain-torch BERT of bert_model.py (2 layers, hidden 32, the pooler head of
BertForSequenceClassification; seeded) for 40 Adam steps on twelve labelled sentences, then writes what
`save_pretrained` plus an ONNX export leave in a directory: model.onnx (inputs input_ids, attention_mask,
token_type_ids; output logits only; no OrtAgent metadata), config.json with id2label, tokenizer_config.json
(do_lower_case, model_max_length) and vocab.txt. Beside it go
texts.csv (the texts to classify) and torch_predictions.json (PyTorch's own probabilities for each text, from its
own WordPiece tokenization below).

`check` reads what `ortagent predict --model <dir> --input <dir>/texts.csv --output <predictions.jsonl>` wrote and
exits 0 when every text has PyTorch's label and every probability is within 1e-4 of PyTorch's, else 1 (listing the
texts that differ).
"""

import csv
import inspect
import json
import os
import sys
import unicodedata

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bert_model import classifier_logits, expected_parameter_shapes  # noqa: E402

LABELS = ["negative", "neutral", "positive"]
TRAINING = [("the movie was great", 2), ("i love this film", 2), ("really good acting", 2), ("great plot", 2),
            ("the film was bad", 0), ("boring and too long", 0), ("i hate this movie", 0), ("bad acting", 0),
            ("it was fine", 1), ("the plot is fine", 1), ("the end", 1), ("a film", 1)]
TOLERANCE = 1e-4
MAX_LENGTH = 24
WORDS = ["the", "a", "movie", "film", "was", "is", "it", "and", "but", "not", "very", "really", "good", "great",
         "bad", "boring", "fine", "plot", "acting", "play", "end", "love", "hate", "i", "we", "this", "too", "long",
         "!", ",", ".", "?"]
PIECES = ["##ing", "##ed", "##s", "##ly", "##er"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS + PIECES
# Different lengths (so the C# side pads), word pieces, an unknown word, upper case and accents (lower-cased and
# stripped by both tokenizers), and one text longer than MAX_LENGTH (truncated by both).
TEXTS = [
    "the movie was great",
    "The acting was boring, and the plot too long!",
    "I really love this film",
    "it was fine",
    "bad",
    "not good, not bad",
    "the ending was playing too long",
    "zyzzyva",
    "Thé filmé was GOOD.",
    "we hate it",
    "$5 off + free_shipping <3 \U0001F600 a=b",
    " ".join(["the film was very very good and the acting was great"] * 3),
]


def config_for_model():
    return {"layers": 2, "hidden": 32, "heads": 4, "intermediate": 64, "layer_norm_eps": 1e-12,
            "vocab_size": len(VOCAB), "max_positions": 64, "type_vocab_size": 2, "pooling": "pooler",
            "num_labels": len(LABELS), "attention_mask_value": -10000.0}


def trained_weights(config):
    """Seeded initial weights, then 40 full-batch Adam steps of cross-entropy on TRAINING."""
    generator = torch.Generator().manual_seed(12)
    weights = {}
    for name, shape in expected_parameter_shapes(config).items():
        noise = torch.randn(shape, generator=generator, dtype=torch.float32)
        weights[name] = ((1.0 + 0.1 * noise) if name.endswith("LayerNorm.weight") else 0.1 * noise).requires_grad_(True)
    input_ids, attention_mask = padded([tokenize(text) for text, _ in TRAINING])
    labels = torch.tensor([label for _, label in TRAINING])
    optimizer = torch.optim.Adam(list(weights.values()), lr=3e-3)
    for _ in range(40):
        optimizer.zero_grad()
        logits = classifier_logits(weights, input_ids, attention_mask, torch.zeros_like(input_ids), config)
        torch.nn.functional.cross_entropy(logits, labels).backward()
        optimizer.step()
    return {name: tensor.detach() for name, tensor in weights.items()}


def padded(rows):
    length = max(len(row) for row in rows)
    input_ids = torch.tensor([row + [0] * (length - len(row)) for row in rows])
    attention_mask = torch.tensor([[1] * len(row) + [0] * (length - len(row)) for row in rows])
    return input_ids, attention_mask


class Classifier(torch.nn.Module):
    """bert_model.classifier_logits as a module, so torch.onnx.export can trace it."""

    def __init__(self, weights, config):
        super().__init__()
        self.weights = weights
        self.config = config

    def forward(self, input_ids, attention_mask, token_type_ids):
        return classifier_logits(self.weights, input_ids, attention_mask, token_type_ids, self.config)


def tokenize(text):
    """Uncased BERT WordPiece: lower-case, strip accents, split off punctuation (symbols and emoji stay in words), longest-match pieces."""
    text = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")
    words = []
    for chunk in text.split():
        word = ""
        for character in chunk:
            # BERT's punctuation: every non-alphanumeric printable ASCII character ($, +, ^ too) and Unicode's P*.
            if (33 <= ord(character) <= 47 or 58 <= ord(character) <= 64 or 91 <= ord(character) <= 96
                    or 123 <= ord(character) <= 126 or unicodedata.category(character).startswith("P")):
                words += [word, character] if word else [character]
                word = ""
            else:
                word += character
        if word:
            words.append(word)
    ids = [VOCAB.index("[CLS]")]
    for word in words:
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start and (word[start:end] if start == 0 else "##" + word[start:end]) not in VOCAB:
                end -= 1
            if end == start:
                pieces = [VOCAB.index("[UNK]")]
                break
            pieces.append(VOCAB.index(word[start:end] if start == 0 else "##" + word[start:end]))
            start = end
        ids += pieces
    return ids[:MAX_LENGTH - 1] + [VOCAB.index("[SEP]")]


def export(directory):
    os.makedirs(directory, exist_ok=True)
    config = config_for_model()
    model = Classifier(trained_weights(config), config).eval()
    sample = torch.tensor([tokenize(TEXTS[0])])
    arguments = (sample, torch.ones_like(sample), torch.zeros_like(sample))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    options = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    torch.onnx.export(model, arguments, os.path.join(directory, "model.onnx"), input_names=names,
                      output_names=["logits"], opset_version=14,
                      dynamic_axes={**{name: {0: "batch", 1: "sequence"} for name in names}, "logits": {0: "batch"}},
                      **options)
    with open(os.path.join(directory, "vocab.txt"), "w", encoding="utf-8") as file:
        file.write("\n".join(VOCAB) + "\n")
    hf_config = {"architectures": ["BertForSequenceClassification"], "model_type": "bert",
                 "hidden_size": config["hidden"], "num_hidden_layers": config["layers"],
                 "num_attention_heads": config["heads"], "intermediate_size": config["intermediate"],
                 "max_position_embeddings": config["max_positions"], "vocab_size": config["vocab_size"],
                 "id2label": {str(i): label for i, label in enumerate(LABELS)},
                 "label2id": {label: i for i, label in enumerate(LABELS)},
                 "problem_type": "single_label_classification"}
    write_json(os.path.join(directory, "config.json"), hf_config)
    write_json(os.path.join(directory, "tokenizer_config.json"),
               {"do_lower_case": True, "model_max_length": MAX_LENGTH, "tokenizer_class": "BertTokenizer"})
    with open(os.path.join(directory, "texts.csv"), "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["text"])
        writer.writerows([text] for text in TEXTS)
    predictions = []
    with torch.no_grad():
        for text in TEXTS:
            ids = torch.tensor([tokenize(text)])
            probabilities = torch.softmax(model(ids, torch.ones_like(ids), torch.zeros_like(ids))[0], dim=-1)
            predictions.append({"text": text, "label": LABELS[int(probabilities.argmax())],
                                "probabilities": dict(zip(LABELS, probabilities.tolist()))})
    write_json(os.path.join(directory, "torch_predictions.json"), predictions)
    print(f"wrote {directory}: model.onnx, config.json, tokenizer_config.json, vocab.txt; "
          f"PyTorch labels {[p['label'] for p in predictions]}")


def check(directory, predictions_path):
    with open(os.path.join(directory, "torch_predictions.json"), encoding="utf-8") as file:
        expected = json.load(file)
    with open(predictions_path, encoding="utf-8") as file:
        actual = [json.loads(line) for line in file if line.strip()]
    if len(actual) != len(expected):
        print(f"{predictions_path}: {len(actual)} predictions for {len(expected)} texts")
        return 1
    failures, worst = [], 0.0
    for torch_prediction, ortagent in zip(expected, actual):
        difference = max(abs(torch_prediction["probabilities"][label] - ortagent["probabilities"][label]) for label in LABELS)
        worst = max(worst, difference)
        if ortagent["text"] != torch_prediction["text"] or ortagent["label"] != torch_prediction["label"] or difference > TOLERANCE:
            failures.append(f"  {torch_prediction['text']!r}: PyTorch {torch_prediction['label']} "
                            f"{torch_prediction['probabilities']}, OrtAgent {ortagent['label']} {ortagent['probabilities']}")
    labels = sorted({p["label"] for p in expected})
    print(f"{len(expected)} texts, PyTorch labels used: {labels}; worst probability difference {worst:.2e} "
          f"(tolerance {TOLERANCE:g})")
    if failures:
        print("OrtAgent differs from PyTorch on:\n" + "\n".join(failures))
        return 1
    return 0


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2)


def main(argv):
    if len(argv) == 2 and argv[0] == "export":
        export(argv[1])
        return 0
    if len(argv) == 3 and argv[0] == "check":
        return check(argv[1], argv[2])
    print(__doc__.strip().splitlines()[2] + "\n" + __doc__.strip().splitlines()[3], file=sys.stderr)
    return 2


if __name__ == "__main__":
    torch.set_num_threads(2)
    sys.exit(main(sys.argv[1:]))
