using OrtAgent.Training.TextClassifiers;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// The facade says a shared check's refusal of a path it was given as that option's: it knew the refusal by the start
/// of its message (<c>{option} {value}: </c>), so a check whose message was worded otherwise escaped as a plain
/// <see cref="UserInputException"/> not naming the option. It now goes by the refusal's parts (<see cref="ValueRefusal"/>).
/// </summary>
public sealed class OptionRefusalTests
{
    private const string Option = "TextClassifierTrainingOptions.OutputDirectory";
    private const string Value = "/models/out";

    /// <summary>A refusal of the value, its message worded with the problem first.</summary>
    private sealed class ProblemFirstRefusal(ValueRefusal refusal) : UserInputException(refusal)
    {
        public override string Message => $"{Refusal!.Problem} ({Refusal.Subject})";
    }

    [Fact]
    public void ARefusalWhoseMessageIsRewordedStillNamesTheOption()
    {
        var refused = Assert.Throws<InvalidOptionException>(() =>
            OptionRefusal.Check(Option, Value, what => throw new ProblemFirstRefusal(new ValueRefusal(what, "is the teacher"))));

        Assert.Equal(Option, refused.Option);
        Assert.Equal(Value, refused.Value);
        Assert.Equal("is the teacher", refused.Problem);
        Assert.Equal($"{Option} = '{Value}': is the teacher", refused.Message);
    }

    /// <summary>A refusal of something else the check met (another path, said as that path's) is not the option's.</summary>
    [Fact]
    public void ARefusalOfAnotherValuePassesUnchanged()
    {
        var other = new UserInputException(new ValueRefusal("/models/out.lock", "cannot be created"));

        var refused = Assert.Throws<UserInputException>(() => OptionRefusal.Check(Option, Value, _ => throw other));

        Assert.Same(other, refused);
    }
}
