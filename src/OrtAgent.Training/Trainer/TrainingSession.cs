using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Optimizers;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// Drives the three training artifacts step by step, the way ONNX Runtime's on-device <c>TrainingSession</c> did:
/// <see cref="TrainStep"/>, <see cref="EvalStep"/>, <see cref="OptimizerStep"/>, <see cref="LazyResetGrad"/>,
/// <see cref="GetParameters"/> for checkpoints and export. Parameters, gradients and optimizer state live as ONNX Runtime values on the
/// execution device for the whole run; each step binds them (IOBinding) instead of copying, and every updated
/// tensor is written into a second preallocated buffer that becomes current (ping-pong), since ONNX Runtime does
/// not allow a run to write over its own inputs. On the CPU an AdamW step runs as <see cref="HostAdamW"/>, one fused
/// pass that updates parameters and moments in place, so they need no second buffer and no optimizer session.
/// </summary>
/// <remarks>
/// Owns its sessions and every device tensor; dispose it to release them. After <see cref="Dispose"/> every method throws
/// <see cref="ObjectDisposedException"/> (a run over the freed sessions crashed the process); the properties, which
/// hold no native state, stay readable. Not thread-safe: calls, <see cref="Dispose"/> included, must not overlap.
/// </remarks>
public sealed class TrainingSession : IDisposable
{
    private readonly InferenceSession _train;
    private readonly InferenceSession _eval;
    private readonly InferenceSession? _optimizer; // null when _hostOptimizer steps instead
    private readonly HostAdamW? _hostOptimizer;
    private readonly DeviceTensors _device;
    private readonly TrainingTensors _tensors;
    private readonly OrtMemoryInfo _hostMemory = OrtMemoryInfo.DefaultInstance;
    private readonly string[] _parameters;
    // The train graph's names for each parameter's gradient output and accumulator input, built once: made per step,
    // they were two new strings a parameter (over 200 a step for minilm).
    private readonly string[] _gradientNames;
    private readonly string[] _accumulatorNames;
    private readonly string[] _stateNames;
    private readonly bool _withTokenTypeIds;
    private readonly bool _withDropoutKeep; // the classification head's mask; the contrastive graph has no head
    private readonly bool _trainReadsTeacher; // the distillation loss reads teacher logits; its eval model does not
    private readonly TrainingTensors.PingPong[] _parameterValues;
    private readonly TrainingTensors.PingPong[] _gradientValues;
    private readonly OrtValue?[] _zeroGradients; // device zeros fed as the first accumulator; null on the CPU, where the buffer is cleared instead
    private readonly TrainingTensors.PingPong[][] _stateValues; // [parameter][state]
    private readonly ArtifactsClaim? _ownClaim; // the claim this session took itself; null when the caller's claim covers the artifacts
    // The head's dropout keep-mask of the last TrainStep, owned by the session and refilled by the next one of the same
    // batch size (the OrtValue over it is disposed before TrainStep returns); null until one is needed.
    private float[]? _dropoutKeep;
    private bool _gradientsPending;
    private bool _disposed;

    private TrainingSession(TrainingArtifacts artifacts, InferenceSession train, InferenceSession eval, InferenceSession? optimizer,
        HostAdamW? hostOptimizer, DeviceTensors device, TrainingTensors tensors, IReadOnlyList<KeyValuePair<string, TensorData>> frozen,
        ArtifactsClaim? ownClaim)
    {
        Artifacts = artifacts;
        _ownClaim = ownClaim;
        _train = train;
        _eval = eval;
        _optimizer = optimizer;
        _hostOptimizer = hostOptimizer;
        _device = device;
        _tensors = tensors;
        var properties = artifacts.Properties;
        _parameters = properties.TrainableParameters.ToArray();
        _gradientNames = _parameters.Select(OptimizerGraphNames.Gradient).ToArray();
        _accumulatorNames = _gradientNames.Select(gradient => gradient + TrainingGraphNames.AccumulatedSuffix).ToArray();
        _stateNames = properties.OptimizerStates.ToArray();
        _withTokenTypeIds = properties.HasTokenTypeIds;
        _withDropoutKeep = train.InputMetadata.ContainsKey(Heads.ClassifierHead.DropoutKeepInputName);
        _trainReadsTeacher = train.InputMetadata.ContainsKey(Losses.DistillationLoss.TeacherLogitsInputName);
        ReadsPairRows = train.InputMetadata.ContainsKey(Contrastive.PairSimilarityObjective.PairRowsInputName);
        FrozenParameters = frozen;
        _parameterValues = tensors.Parameters;
        _gradientValues = tensors.Gradients;
        _zeroGradients = tensors.ZeroGradients;
        _stateValues = tensors.States;
    }

    /// <summary>
    /// The artifacts the session was opened on; checkpoints are saved through them. Not owned: they hold only paths and
    /// properties, and stay usable after <see cref="Dispose"/>.
    /// </summary>
    public TrainingArtifacts Artifacts { get; }

    /// <summary>Frozen parameters, held on the host: they never change, and checkpoints and exports need them.</summary>
    public IReadOnlyList<KeyValuePair<string, TensorData>> FrozenParameters { get; }

    /// <summary>
    /// Whether the graphs take pair batches (<see cref="TrainingBatch.CollatePairs"/>): contrastive artifacts built
    /// before pair rows existed take the pairs' texts as 2P rows instead.
    /// </summary>
    public bool ReadsPairRows { get; }

    /// <summary>Optimizer steps applied so far (restored from the checkpoint when resuming).</summary>
    public long Step { get; private set; }

    /// <summary>
    /// Opens the artifacts in <paramref name="artifacts"/> with sessions configured by <paramref name="settings"/>, loading
    /// parameters and (when present) optimizer state from its checkpoint. The session claims the artifacts directory
    /// (<see cref="ArtifactsClaim"/>) until it is disposed, so a second session on it, here or in another process, is refused.
    /// </summary>
    /// <exception cref="UserInputException">Another session or process is training in the artifacts directory; the message names it.</exception>
    public static TrainingSession Create(TrainingArtifacts artifacts, OrtSessionSettings settings) =>
        Create(artifacts, settings, claim: null, stageHostMemory: false);

    /// <summary>
    /// As <see cref="Create(TrainingArtifacts, OrtSessionSettings)"/>, for a caller that claimed the artifacts directory
    /// before writing into it (generating the artifacts, recording its run): the session trains under that claim, which
    /// stays the caller's to dispose, instead of claiming the directory a second time (which the caller's own claim would refuse).
    /// </summary>
    /// <param name="artifacts">The artifacts to train.</param>
    /// <param name="settings">The sessions' settings.</param>
    /// <param name="claim">The caller's claim on <paramref name="artifacts"/>' directory; it must outlive the session.</param>
    /// <exception cref="ArgumentException"><paramref name="claim"/> was released, or claims another directory.</exception>
    public static TrainingSession Create(TrainingArtifacts artifacts, OrtSessionSettings settings, ArtifactsClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return Create(artifacts, settings, claim, stageHostMemory: false);
    }

    /// <summary>
    /// <paramref name="stageHostMemory"/>: on the CPU, keep the tensors behind a transfer session as if they were device
    /// memory, so that tests run the path CUDA takes (zeros fed as first accumulators, the optimizer graph, staged
    /// reads and writes).
    /// </summary>
    internal static TrainingSession Create(TrainingArtifacts artifacts, OrtSessionSettings settings, bool stageHostMemory) =>
        Create(artifacts, settings, claim: null, stageHostMemory);

    private static TrainingSession Create(TrainingArtifacts artifacts, OrtSessionSettings settings, ArtifactsClaim? claim, bool stageHostMemory)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(settings);
        if (claim is not null && !claim.Covers(artifacts.Directory))
            throw new ArgumentException(claim.IsHeld
                ? $"the claim is on {claim.Directory}, not on the artifacts in {artifacts.Directory}"
                : $"the claim on {claim.Directory} was released", nameof(claim));
        var created = new List<IDisposable>();
        try
        {
            // Claimed before the checkpoint is read, so the weights loaded are not ones another run is about to replace.
            var ownClaim = claim is null ? Track(ArtifactsClaim.Acquire(artifacts.Directory)) : null;
            // The sessions take turns and batch shapes change; see CpuMemoryMode.SharedArena.
            using var options = (settings with { CpuMemory = CpuMemoryMode.SharedArena }).CreateSessionOptions();
            var train = Track(new InferenceSession(artifacts.TrainingModelPath, options));
            var eval = Track(new InferenceSession(artifacts.EvalModelPath, options));
            var device = Track(stageHostMemory && settings.Device == ExecutionDevice.Cpu
                ? DeviceTensors.CreateStaged(settings, train, new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default))
                : DeviceTensors.Create(settings, train));
            var weights = SafeTensorsReader.Read(artifacts.ModelCheckpointPath);
            var states = File.Exists(artifacts.OptimizerCheckpointPath) ? SafeTensorsReader.Read(artifacts.OptimizerCheckpointPath) : null;
            var properties = artifacts.Properties;
            var hostOptimizer = device.IsHostMemory
                ? HostAdamW.For(properties, properties.TrainableParameters.Select(p => weights[p].ElementCount).ToArray(), settings.IntraOpThreads)
                : null;
            var optimizer = hostOptimizer is null ? Track(new InferenceSession(artifacts.OptimizerModelPath, options)) : null;
            var frozen = properties.FrozenParameters.Select(name => new KeyValuePair<string, TensorData>(name, weights[name])).ToList();
            // Allocated last and all at once: a failed upload disposes the tensors it made, and the catch below the rest.
            var tensors = Track(TrainingTensors.Upload(device, properties.TrainableParameters, properties.OptimizerStates, weights, states,
                updatedInPlace: hostOptimizer is not null));
            return new TrainingSession(artifacts, train, eval, optimizer, hostOptimizer, device, tensors, frozen, ownClaim) { Step = properties.Step };
        }
        catch
        {
            foreach (var d in created) d.Dispose();
            throw;
        }

        T Track<T>(T disposable) where T : IDisposable
        {
            created.Add(disposable);
            return disposable;
        }
    }

    /// <summary>
    /// Runs forward and backward on <paramref name="batch"/>, adding its gradients, times <paramref name="lossScale"/>,
    /// to those accumulated since the last <see cref="OptimizerStep"/> or <see cref="LazyResetGrad"/>. The head's dropout
    /// mask is drawn from <paramref name="dropoutRandom"/>. Returns the batch's mean loss (unscaled).
    /// </summary>
    public float TrainStep(TrainingBatch batch, float lossScale = 1f, Random? dropoutRandom = null)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(batch);
        var inputs = batch.CreateValues(_withTokenTypeIds, _trainReadsTeacher, ReadsPairRows);
        try
        {
            var properties = Artifacts.Properties;
            inputs[TrainingGraphNames.LossScale] = OrtValue.CreateTensorValueFromMemory(new[] { lossScale }, []);
            if (_withDropoutKeep)
            {
                var keep = DropoutKeepBuffer(batch.Size * properties.HiddenSize);
                DropoutKeepMask.Fill(keep, dropoutRandom is null ? 0 : properties.DropoutRatio, dropoutRandom ?? Random.Shared);
                inputs[Heads.ClassifierHead.DropoutKeepInputName] = OrtValue.CreateTensorValueFromMemory(keep, [batch.Size, properties.HiddenSize]);
            }
            using var binding = _train.CreateIoBinding();
            foreach (var (name, value) in inputs) binding.BindInput(name, value);
            for (int i = 0; i < _parameters.Length; i++)
            {
                binding.BindInput(_parameters[i], _parameterValues[i].Current);
                binding.BindInput(_accumulatorNames[i], AccumulatorFor(i));
                binding.BindOutput(_gradientNames[i], _gradientValues[i].Next);
            }
            binding.BindOutputToDevice(TrainingGraphNames.Loss, _hostMemory);
            using var run = new RunOptions();
            _train.RunWithBinding(run, binding);
            foreach (var pair in _gradientValues) pair.Swap();
            _gradientsPending = true;
            using var outputs = binding.GetOutputValues();
            return outputs[outputs.Count - 1].GetTensorDataAsSpan<float>()[0];
        }
        finally
        {
            foreach (var value in inputs.Values) value.Dispose();
        }
    }

    /// <summary>The keep-mask buffer the last <see cref="TrainStep"/> filled, read without creating one; null before the first.</summary>
    internal float[]? DropoutKeepInUse => _dropoutKeep;

    /// <summary>
    /// The session's keep-mask buffer of <paramref name="length"/> floats: the last step's when it has that length (every
    /// full batch), else a new one that replaces it. Only one step's OrtValue wraps it at a time.
    /// </summary>
    private float[] DropoutKeepBuffer(int length)
    {
        if (_dropoutKeep?.Length != length) _dropoutKeep = new float[length];
        return _dropoutKeep;
    }

    /// <summary>The accumulated gradient to add this batch's to: the running sum, or zeros at the start of a group.</summary>
    private OrtValue AccumulatorFor(int i)
    {
        if (_gradientsPending) return _gradientValues[i].Current;
        if (_zeroGradients[i] is { } zeros) return zeros;
        _gradientValues[i].Current.GetTensorMutableDataAsSpan<float>().Clear();
        return _gradientValues[i].Current;
    }

    /// <summary>Runs the eval model (dropout off) and returns the mean loss and the logits <c>[batch, labels]</c>.</summary>
    public (float Loss, float[] Logits) EvalStep(TrainingBatch batch)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(batch);
        var inputs = batch.CreateValues(_withTokenTypeIds, withPairRows: ReadsPairRows);
        try
        {
            using var binding = _eval.CreateIoBinding();
            foreach (var (name, value) in inputs) binding.BindInput(name, value);
            for (int i = 0; i < _parameters.Length; i++) binding.BindInput(_parameters[i], _parameterValues[i].Current);
            binding.BindOutputToDevice(TrainingGraphNames.Loss, _hostMemory);
            binding.BindOutputToDevice(ModelContract.Logits, _hostMemory);
            using var run = new RunOptions();
            _eval.RunWithBinding(run, binding);
            using var outputs = binding.GetOutputValues();
            return (outputs[0].GetTensorDataAsSpan<float>()[0], outputs[1].GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (var value in inputs.Values) value.Dispose();
        }
    }

    /// <summary>
    /// Applies the accumulated gradients with learning rate <paramref name="learningRate"/>, clipping their global norm
    /// to <paramref name="maxGradNorm"/> (0 turns clipping off), then resets them. Returns the norm before clipping.
    /// </summary>
    /// <remarks>
    /// A norm that is not finite (a gradient is NaN or infinite, though the loss may be finite) refuses the step: the
    /// parameters, the optimizer state and <see cref="Step"/> stay as they were and the gradients are still reset, so the
    /// caller, which knows what to blame, can stop. Applied, such a step would make every parameter NaN (clipping
    /// multiplies each gradient by the norm's inverse), and every later step with it.
    /// </remarks>
    public float OptimizerStep(double learningRate, double maxGradNorm)
    {
        ThrowIfDisposed();
        if (!_gradientsPending) throw new InvalidOperationException("OptimizerStep needs at least one TrainStep since the last reset.");
        float norm = _hostOptimizer is null ? RunOptimizerGraph(_optimizer!, learningRate, maxGradNorm) : StepOnHost(_hostOptimizer, learningRate, maxGradNorm);
        if (float.IsFinite(norm)) Step++;
        _gradientsPending = false;
        return norm;
    }

    private float StepOnHost(HostAdamW optimizer, double learningRate, double maxGradNorm)
    {
        int first = Array.IndexOf(_stateNames, AdamWOptimizerGraph.FirstMoment);
        int second = Array.IndexOf(_stateNames, AdamWOptimizerGraph.SecondMoment);
        return optimizer.Step(Current(_parameterValues), Current(_gradientValues), Current(_stateValues.Select(s => s[first])),
            Current(_stateValues.Select(s => s[second])), (float)learningRate, Step + 1, (float)maxGradNorm);
    }

    private static OrtValue[] Current(IEnumerable<TrainingTensors.PingPong> pairs) => pairs.Select(p => p.Current).ToArray();

    private float RunOptimizerGraph(InferenceSession session, double learningRate, double maxGradNorm)
    {
        using var lr = OrtValue.CreateTensorValueFromMemory(new[] { (float)learningRate }, []);
        using var step = OrtValue.CreateTensorValueFromMemory(new[] { Step + 1 }, []);
        using var clip = OrtValue.CreateTensorValueFromMemory(new[] { (float)maxGradNorm }, []);
        using var binding = session.CreateIoBinding();
        binding.BindInput(OptimizerGraphNames.LearningRate, lr);
        binding.BindInput(OptimizerGraphNames.Step, step);
        binding.BindInput(OptimizerGraphNames.MaxGradNorm, clip);
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            binding.BindInput(p, _parameterValues[i].Current);
            binding.BindOutput(OptimizerGraphNames.Updated(p), _parameterValues[i].Next);
            binding.BindInput(OptimizerGraphNames.Gradient(p), _gradientValues[i].Current);
            for (int s = 0; s < _stateNames.Length; s++)
            {
                var state = OptimizerGraphNames.State(p, _stateNames[s]);
                binding.BindInput(state, _stateValues[i][s].Current);
                binding.BindOutput(OptimizerGraphNames.Updated(state), _stateValues[i][s].Next);
            }
        }
        binding.BindOutputToDevice(OptimizerGraphNames.GradNorm, _hostMemory);
        using var run = new RunOptions();
        session.RunWithBinding(run, binding);
        using var outputs = binding.GetOutputValues();
        float norm = outputs[outputs.Count - 1].GetTensorDataAsSpan<float>()[0];
        // The update went to the second buffers: left unswapped, the step is not applied.
        if (!float.IsFinite(norm)) return norm;
        foreach (var pair in _parameterValues) pair.Swap();
        foreach (var pairs in _stateValues)
            foreach (var pair in pairs) pair.Swap();
        return norm;
    }

    /// <summary>Drops the gradients accumulated so far; the next <see cref="TrainStep"/> starts from zero.</summary>
    public void LazyResetGrad()
    {
        ThrowIfDisposed();
        _gradientsPending = false;
    }

    /// <summary>Copies the current trainable parameters to host memory, by name.</summary>
    public IReadOnlyList<KeyValuePair<string, TensorData>> GetParameters()
    {
        ThrowIfDisposed();
        return _parameters.Select((p, i) => new KeyValuePair<string, TensorData>(p, _device.Download(_parameterValues[i].Current))).ToList();
    }

    /// <summary>Copies the optimizer state to host memory, named as the optimizer graph names it.</summary>
    public IReadOnlyList<KeyValuePair<string, TensorData>> GetOptimizerState()
    {
        ThrowIfDisposed();
        return _parameters.SelectMany((p, i) => _stateNames.Select((s, k) =>
            new KeyValuePair<string, TensorData>(OptimizerGraphNames.State(p, s), _device.Download(_stateValues[i][k].Current)))).ToList();
    }

    /// <summary>Replaces the current trainable parameters, by name (the fine-tuner re-evaluates the best ones after a resume).</summary>
    public void SetParameters(IReadOnlyDictionary<string, TensorData> parameters)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(parameters);
        for (int i = 0; i < _parameters.Length; i++)
            if (parameters.TryGetValue(_parameters[i], out var data)) _device.Write(_parameterValues[i].Current, data);
    }

    /// <summary>For callers that drive the session over many steps, to fail before the first rather than midway.</summary>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>
    /// Releases the sessions and device tensors, and the claim on the artifacts directory when the session took it itself;
    /// later method calls throw <see cref="ObjectDisposedException"/>. Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _tensors.Dispose();
        _train.Dispose();
        _eval.Dispose();
        _optimizer?.Dispose();
        _device.Dispose();
        _ownClaim?.Dispose();
    }
}
