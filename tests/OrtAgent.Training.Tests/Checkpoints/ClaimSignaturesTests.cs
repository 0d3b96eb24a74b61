using System.Reflection;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Checkpoints;

/// <summary>
/// The claim methods keep the public signatures users compiled against (PublicAPI.Shipped.txt): the user's name for
/// what a lock claims came in as an optional parameter of those methods, a break for every compiled caller, and is taken
/// through internal overloads instead. What only the CLI host and these tests use stays internal; a name a library
/// user takes from <see cref="TemporarySiblings.For"/> it can release.
/// </summary>
public sealed class ClaimSignaturesTests
{
    private const BindingFlags PublicStatic = BindingFlags.Public | BindingFlags.Static;

    [Fact]
    public void TheShippedClaimSignaturesArePublicAndTheClaimedOverloadsAreNot()
    {
        Assert.NotNull(typeof(ProcessLock).GetMethod(nameof(ProcessLock.Acquire), PublicStatic, [typeof(string), typeof(string)]));
        Assert.NotNull(typeof(ProcessLock).GetMethod(nameof(ProcessLock.AcquireWaiting), PublicStatic,
            [typeof(string), typeof(TimeSpan), typeof(string), typeof(CancellationToken)]));
        Assert.NotNull(typeof(ArtifactsClaim).GetMethod(nameof(ArtifactsClaim.Acquire), PublicStatic, [typeof(string), typeof(string)]));
        var publicClaimMethods = typeof(ProcessLock).GetMethods(PublicStatic).Concat(typeof(ArtifactsClaim).GetMethods(PublicStatic));
        Assert.DoesNotContain(publicClaimMethods, m => m.GetParameters().Any(p => p.Name == "claimed"));
    }

    [Fact]
    public void WhatOnlyTheHostUsesIsInternalAndATakenNameCanBeReleased()
    {
        Assert.False(typeof(TrainingMethodCost).IsPublic);
        Assert.Null(typeof(TrainingMethodChoice).GetMethod(nameof(TrainingMethodChoice.TypicalClassSize), PublicStatic));
        Assert.Null(typeof(TrainingMethodChoice).GetField(nameof(TrainingMethodChoice.UnequalRatio), PublicStatic));
        Assert.NotNull(typeof(TemporarySiblings).GetMethod(nameof(TemporarySiblings.Release), PublicStatic, [typeof(string)]));
    }
}
