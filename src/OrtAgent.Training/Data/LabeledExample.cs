namespace OrtAgent.Data;

/// <summary>
/// A text and its label's name, held in memory: what <c>TextClassifierTrainer</c> trains and validates on, and what a
/// promotion scores two models on.
/// </summary>
/// <param name="Text">The text to classify.</param>
/// <param name="Label">The name of its class: no spaces around it and on one line, as a data file's reader leaves it (<c>TextClassifierTrainer</c> refuses another).</param>
public readonly record struct LabeledExample(string Text, string Label);
