using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

public sealed class EvaluationInfoTests
{
    /// <summary>The generated ToString printed <c>Report = OrtAgent.Training.Evaluation.ClassificationReport</c>: the report's figures are printed instead.</summary>
    [Fact]
    public void ToStringPrintsTheReportsFiguresNotItsTypeName()
    {
        using var german = GermanCulture.Use();
        var builder = new ClassificationReportBuilder(["negative", "positive"]);
        builder.Add(0, 0);
        builder.Add(1, 1);
        builder.Add(1, 1);
        builder.Add(1, 0);
        builder.AddLoss(0.5, 4);

        var printed = new EvaluationInfo(2, 30, builder.Build(), IsBest: true, 0.625).ToString();

        Assert.Equal("EvaluationInfo { Epoch = 2, Step = 30, Loss = 0.5000, Accuracy = 0.7500, MacroF1 = 0.7333, IsBest = True, MonitoredValue = 0.6250 }", printed);
    }
}
