using OrtAgent.Onnx;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;

namespace OrtAgent.Training.Tests;

/// <summary>
/// Every op of every graph OrtAgent generates has a CUDA kernel in stock ONNX Runtime, so a <c>--device cuda</c> run
/// keeps the whole step on the GPU. An op without one is silently placed on the CPU provider, with a copy each way
/// around it; no CPU test would notice, and a GPU is lent only now and then (tools/gpu's profile lists the nodes each
/// provider ran). The embedding gradient once used <c>Unique</c>, which has only a CPU kernel. The list checks op types,
/// not data types: a kernel registered for float only would still pass here.
/// </summary>
public sealed class CudaKernelCoverageTests : IDisposable
{
    /// <summary>
    /// Ops registered by ONNX Runtime's CUDA provider (<c>onnxruntime/core/providers/cuda/cuda_execution_provider.cc</c>,
    /// and <c>contrib_ops/cuda</c> for com.microsoft), for the types these graphs use. Add an op here only after finding
    /// its CUDA registration; <c>Unique</c>, <c>DynamicQuantizeMatMul</c> and <c>MatMulIntegerToFloat</c> have none.
    /// </summary>
    public static readonly IReadOnlySet<string> OpsWithCudaKernels = new HashSet<string>
    {
        "Add", "Cast", "Compress", "Concat", "Constant", "ConstantOfShape", "CumSum", "Div", "Dropout", "Equal", "Erf", "Exp",
        "Expand", "Gather", "Gemm", "Greater", "GreaterOrEqual", "Identity", "LayerNormalization", "Less", "Log", "LogSoftmax", "MatMul", "Max", "Min", "Mul",
        "Neg", "NonZero", "Not", "Pow", "RandomUniformLike", "ReduceMean", "ReduceSum", "ReduceSumSquare", "Relu", "Reshape", "ScatterND", "Shape",
        "Sigmoid", "Size", "Slice", "Softmax", "Sqrt", "Sub", "Sum", "Tanh", "TopK", "Transpose", "Unsqueeze", "Where",
        "com.microsoft:Gelu",
    };

    private readonly TempDirectory _root = new("cuda-kernels");
    private readonly string _base;

    public CudaKernelCoverageTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base, new TinyBertOptions { Layers = 2 });
    }

    public void Dispose() => _root.Dispose();

    public static TheoryData<string> Configurations => ["standard", "bce-sgd-cls", "mse", "pairs", "lora", "frozen"];

    [Theory]
    [MemberData(nameof(Configurations))]
    public void EveryTrainingGraphUsesOnlyOpsWithCudaKernels(string configuration)
    {
        var options = configuration switch
        {
            "standard" => new TrainingArtifactsOptions { BaseModel = _base },
            "bce-sgd-cls" => new TrainingArtifactsOptions { BaseModel = _base, NumLabels = 3, Loss = LossKind.BinaryCrossEntropy, Optimizer = OptimizerKind.Sgd, Pooling = PoolingMode.Cls },
            "mse" => new TrainingArtifactsOptions { BaseModel = _base, NumLabels = 1, Loss = LossKind.MeanSquaredError },
            "pairs" => new TrainingArtifactsOptions { BaseModel = _base, Labels = ["a", "b"], Objective = TrainingObjective.PairSimilarity },
            "lora" => new TrainingArtifactsOptions
            {
                BaseModel = _base,
                Lora = new LoraOptions { Rank = 2, Dropout = 0.1f, Targets = LoraTargets.Query | LoraTargets.Key | LoraTargets.Value | LoraTargets.AttentionOutput | LoraTargets.Intermediate | LoraTargets.Output },
            },
            "frozen" => new TrainingArtifactsOptions { BaseModel = _base, FreezeLayers = "0" },
            _ => throw new ArgumentOutOfRangeException(nameof(configuration)),
        };
        var artifacts = TrainingArtifacts.Generate(options, _root.Combine(configuration));
        AssertEveryOpHasACudaKernel(artifacts.TrainingModelPath, artifacts.EvalModelPath, artifacts.OptimizerModelPath);
    }

    [Fact]
    public void TheDistillationGraphsAndTheExportedModelsUseOnlyOpsWithCudaKernels()
    {
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = _base, Labels = ["no", "yes"] }, _root.Combine("teacher-artifacts"));
        var teacherDirectory = _root.Combine("teacher");
        ModelExporter.Export(artifacts, SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors,
            new ExportOptions { MaxLength = 16, BaseModelName = "tiny", WriteExplainGraph = true }, teacherDirectory);
        var teacher = TeacherModel.Open(teacherDirectory);
        var student = StudentArtifacts.Generate(teacher, LayerSelection.EvenlySpaced(teacher.Layers, 1), new DistillationOptions { Layers = 1 },
            new StudentTrainingSettings(1, 0.1f, 0.01, 16, "tiny"), _root.Combine("student"));

        var exported = Directory.GetFiles(teacherDirectory, "*.onnx");
        Assert.Contains(exported, path => Path.GetFileName(path) == "explain.onnx");
        AssertEveryOpHasACudaKernel([student.TrainingModelPath, student.EvalModelPath, student.OptimizerModelPath, .. exported]);
    }

    internal static void AssertEveryOpHasACudaKernel(params string[] modelPaths)
    {
        var missing = modelPaths
            .SelectMany(path => OnnxModel.Load(path).Graph.Nodes.Select(n => (Op: string.IsNullOrEmpty(n.Domain) ? n.OpType : $"{n.Domain}:{n.OpType}", File: Path.GetFileName(path))))
            .Where(x => !OpsWithCudaKernels.Contains(x.Op))
            .Distinct()
            .Select(x => $"{x.Op} in {x.File}")
            .ToList();
        Assert.True(missing.Count == 0, "ops without a CUDA kernel: " + string.Join(", ", missing));
    }
}
