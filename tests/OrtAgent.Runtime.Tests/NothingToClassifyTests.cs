namespace OrtAgent.Runtime.Tests;

/// <summary>
/// <see cref="NothingToClassify"/> without an encoder, as data files are read before a model is chosen: what every
/// vocabulary's tokenizer drops (control and format characters) is nothing; what only an uncased one drops (accents) is
/// left to the classifier, which knows its vocabulary.
/// </summary>
public sealed class NothingToClassifyTests
{
    [Theory]
    [InlineData("\u200b\ufeff", "it holds only format characters, which the tokenizer drops (U+200B, U+FEFF)")]
    [InlineData("\u0000\t\u0007\u0000", "it holds only control characters, which the tokenizer drops (U+0000, U+0007)")]
    [InlineData("\u00ad \ufffd", "it holds only format or replacement characters, which the tokenizer drops (U+00AD, U+FFFD)")]
    [InlineData("\ufffd\ufffd", "it holds only replacement characters, which the tokenizer drops (U+FFFD)")]
    [InlineData(" \n", "it is only whitespace")]
    [InlineData("", "it is empty")]
    public void ATextOfOnlyWhatTheTokenizerDropsIsNothing(string text, string expected) =>
        Assert.Equal(expected, NothingToClassify.Describe(text));

    [Theory]
    [InlineData("\u200bok")]
    [InlineData("\u00ad7")]
    [InlineData("!")]
    [InlineData("\u0301")]
    public void ATextWithSomethingTheTokenizerKeepsIsSomething(string text) => Assert.Null(NothingToClassify.Describe(text));
}
