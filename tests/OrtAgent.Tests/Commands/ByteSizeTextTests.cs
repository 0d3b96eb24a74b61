using OrtAgent.Commands;

namespace OrtAgent.Tests.Commands;

public sealed class ByteSizeTextTests
{
    [Theory]
    [InlineData("1000", 1000L)]
    [InlineData("64K", 64L * 1024)]
    [InlineData("512m", 512L * 1024 * 1024)]
    [InlineData("20G", 20L * 1024 * 1024 * 1024)]
    [InlineData("20GB", 20L * 1024 * 1024 * 1024)]
    [InlineData("20GiB", 20L * 1024 * 1024 * 1024)]
    [InlineData("2T", 2L * 1024 * 1024 * 1024 * 1024)]
    public void ASizeIsReadInBytesWithBinarySuffixes(string text, long bytes) =>
        Assert.Equal(bytes, ByteSizeText.Parse("--max-store-bytes", text));

    [Theory]
    [InlineData("")]
    [InlineData("1.5G")]
    [InlineData("-1")]
    [InlineData("G")]
    [InlineData("20 gigs")]
    public void WhatIsNoSizeIsRefusedNamingTheOption(string text) =>
        Assert.StartsWith($"--max-store-bytes '{text}': expected a whole number of bytes", Assert.Throws<UserInputException>(() => ByteSizeText.Parse("--max-store-bytes", text)).Message);
}
