using OrtAgent.Onnx;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Tests.Autodiff;

namespace OrtAgent.Training.Tests.Distillation;

/// <summary>The distillation loss α·T²·KL(teacher_T ‖ student_T) + (1−α)·CE: its value and its gradient.</summary>
public sealed class DistillationLossTests
{
    private static readonly long[] Labels = [0, 2, 1, 1];
    private static readonly double[] Teacher = [2.0, -1.0, 0.5, 0.1, 0.2, 3.0, -0.5, 1.5, 0.0, 1.0, 1.0, -2.0];

    private static Value Loss(Graph g, Value studentLogits, float temperature, float alpha) =>
        DistillationLoss.Append(g, studentLogits, g.Constant(TensorData.Create<double>([4, 3], Teacher), "teacher"),
            g.Constant(TensorData.Create<long>([4], Labels), "labels"), 3, temperature, alpha);

    [Theory]
    [InlineData(2f, 0.5f)]
    [InlineData(4f, 0.9f)]
    [InlineData(1f, 1f)]
    [InlineData(3f, 0f)]
    public void TheGradientMatchesFiniteDifferences(float temperature, float alpha)
    {
        var result = GradientCheck.Run((g, x) => Loss(g, x[0], temperature, alpha), [new CheckInput("student", [4, 3], -3, 3)]);
        Assert.Equal(12, result.Elements);
    }

    [Fact]
    public void TheGradientMatchesFiniteDifferencesWithSymbolicShapes()
    {
        GradientCheck.Run((g, x) => Loss(g, x[0], 2f, 0.5f), [new CheckInput("student", [4, 3], -3, 3)], declared: DeclaredShape.Symbolic);
    }

    private static double Run(double[] student, double[] teacher, long[] labels, int classes, float temperature, float alpha)
    {
        int rows = labels.Length;
        var g = new Graph("kd", 17);
        var s = g.AddInput("student", ElementType.Float, [Dim.Known(rows), Dim.Known(classes)]);
        var t = g.AddInput("teacher", ElementType.Float, [Dim.Known(rows), Dim.Known(classes)]);
        var y = g.AddInput("labels", ElementType.Int64, [Dim.Known(rows)]);
        g.AddOutput(DistillationLoss.Append(g, s, t, y, classes, temperature, alpha));
        using var runner = OnnxRunner.FromModel(new OnnxModel(g));
        return runner.Run(new Dictionary<string, TensorData>
        {
            ["student"] = TensorData.Create<float>([rows, classes], student.Select(v => (float)v).ToArray()),
            ["teacher"] = TensorData.Create<float>([rows, classes], teacher.Select(v => (float)v).ToArray()),
            ["labels"] = TensorData.Create<long>([rows], labels),
        }).Values.Single().ToDoubles().Single();
    }

    [Fact]
    public void TheValueMatchesAHandComputedExample()
    {
        // Two rows, two classes, T = 2, α = 0.5.
        // Row 0: teacher [0, 0]/2 → p = (½, ½); student [2, 0]/2 = (1, 0) → log q = (1 − ln(1+e), −ln(1+e)) = (−0.31326, −1.31326);
        //        KL = ½(ln ½ + 0.31326) + ½(ln ½ + 1.31326) = 0.12011.
        // Row 1: teacher [1, −1]/2 → p = (0.73106, 0.26894); student [0, 1]/2 → log q = (−0.97408, −0.47408);
        //        KL = 0.73106·(−0.31326 + 0.97408) + 0.26894·(−1.31326 + 0.47408) = 0.25741.
        // Batch-mean KL = 0.188759; CE: row 0 label 0: ln(1 + e⁻²) = 0.126928, row 1 label 1: ln(1 + e⁻¹) = 0.313262, mean 0.220095.
        // Loss = 0.5·2²·0.188759 + 0.5·0.220095 = 0.487565.
        double loss = Run([2, 0, 0, 1], [0, 0, 1, -1], [0, 1], 2, 2f, 0.5f);
        Assert.Equal(0.487565, loss, 1e-5);
    }

    [Fact]
    public void AlphaZeroIsCrossEntropyAndAlphaOneIsTheScaledKlDivergence()
    {
        Assert.Equal(0.220095, Run([2, 0, 0, 1], [0, 0, 1, -1], [0, 1], 2, 2f, 0f), 1e-5);
        Assert.Equal(4 * 0.188759, Run([2, 0, 0, 1], [0, 0, 1, -1], [0, 1], 2, 2f, 1f), 1e-5);
    }

    [Fact]
    public void AStudentEqualToTheTeacherHasNoDistillationLoss()
    {
        Assert.Equal(0.0, Run(Teacher, Teacher, Labels, 3, 3f, 1f), 6);
    }

    [Fact]
    public void BadTemperaturesAndWeightsAreRefusedUpFront()
    {
        Assert.Throws<InvalidOptionException>(() => new LossOptions { Kind = LossKind.Distillation, Temperature = 0f }.Validate(2));
        Assert.Throws<InvalidOptionException>(() => new LossOptions { Kind = LossKind.Distillation, DistillationWeight = 1.5f }.Validate(2));
        Assert.Throws<UserInputException>(() => new LossOptions { Kind = LossKind.Distillation, LabelSmoothing = 0.1f }.Validate(2));
        Assert.Equal(LossKind.Distillation, LossOptions.ParseKind("kd"));
    }
}
