namespace OrtAgent;

/// <summary>
/// A refusal of one value in its two parts: the value as the caller named it (<see cref="Subject"/>: an option and its
/// value, <c>--output models/x</c>, or a path) and what is wrong with it (<see cref="Problem"/>). The shared checks of
/// directories and models word their refusals <c>{Subject}: {Problem}</c> for whoever calls them; a caller that named the
/// value as one of its own options rebuilds the refusal as that option's from these parts, never from the message.
/// </summary>
/// <param name="Subject">The value as the caller named it.</param>
/// <param name="Problem">What is wrong with it, without the subject.</param>
public sealed record ValueRefusal(string Subject, string Problem);
