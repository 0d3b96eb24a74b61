using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// Allocates float tensors where the training sessions run and moves data between them and the host. On the CPU a
/// tensor's memory is read and written directly; on CUDA, transfers go through a small session of Identity nodes
/// whose inputs and outputs are bound on either side, so no weights ever round-trip through managed arrays per step.
/// </summary>
/// <remarks>Owns its allocator and transfer session; tensors it creates are owned by the caller.</remarks>
internal sealed class DeviceTensors : IDisposable
{
    private readonly OrtAllocator? _deviceAllocator;
    private readonly OrtMemoryInfo? _deviceMemory;
    private readonly InferenceSession? _identity;

    private DeviceTensors(OrtAllocator? allocator, OrtMemoryInfo? memory, InferenceSession? identity)
    {
        _deviceAllocator = allocator;
        _deviceMemory = memory;
        _identity = identity;
    }

    /// <summary>Whether tensors are plain host memory that is read and written directly (no transfer session).</summary>
    public bool IsHostMemory => _identity is null;

    /// <summary>Sets up allocation on the device of <paramref name="session"/>.</summary>
    public static DeviceTensors Create(OrtSessionSettings settings, InferenceSession session) =>
        settings.Device == ExecutionDevice.Cpu
            ? new DeviceTensors(null, null, null)
            : CreateStaged(settings, session,
                new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, settings.DeviceId, OrtMemType.Default));

    /// <summary>
    /// Tensors allocated by <paramref name="session"/>'s allocator for <paramref name="memory"/> (which this object then
    /// owns) and moved only through a transfer session, as device memory must be. Tests pass CPU memory to run this
    /// path, which CUDA takes, on a machine without a GPU.
    /// </summary>
    internal static DeviceTensors CreateStaged(OrtSessionSettings settings, InferenceSession session, OrtMemoryInfo memory)
    {
        var allocator = new OrtAllocator(session, memory);
        var g = new Graph("transfer", 17);
        var x = g.AddInput("x", ElementType.Float, null);
        g.AddOutput(g.Identity(x));
        g.Outputs[0].Type = ElementType.Float;
        using var options = settings.CreateSessionOptions();
        var identity = new InferenceSession(new OnnxModel(g).ToBytes(), options);
        return new DeviceTensors(allocator, memory, identity);
    }

    /// <summary>A new uninitialised float tensor on the device.</summary>
    public OrtValue Allocate(IReadOnlyList<long> shape)
    {
        var dims = shape.ToArray();
        if (_deviceAllocator is null)
            return OrtValue.CreateTensorValueFromMemory(new float[dims.Aggregate(1L, (a, d) => a * d)], dims);
        return OrtValue.CreateAllocatedTensorValue(_deviceAllocator, TensorElementType.Float, dims);
    }

    /// <summary>A device tensor holding a copy of <paramref name="data"/>.</summary>
    public OrtValue Upload(TensorData data)
    {
        var value = Allocate(data.Dims);
        try
        {
            Write(value, data);
        }
        catch
        {
            value.Dispose();
            throw;
        }
        return value;
    }

    /// <summary>Overwrites <paramref name="target"/> with <paramref name="data"/> (same shape).</summary>
    public void Write(OrtValue target, TensorData data)
    {
        if (IsHostMemory)
        {
            data.AsSpan<float>().CopyTo(target.GetTensorMutableDataAsSpan<float>());
            return;
        }
        using var host = OrtValue.CreateTensorValueFromMemory(data.ToArray<float>(), data.Dims.ToArray());
        Copy(host, target, toHost: false);
    }

    /// <summary>Reads a device tensor back into host memory.</summary>
    public TensorData Download(OrtValue value)
    {
        var shape = value.GetTensorTypeAndShape().Shape;
        if (IsHostMemory) return TensorData.Create<float>(shape, value.GetTensorDataAsSpan<float>());
        using var host = OrtValue.CreateTensorValueFromMemory(new float[shape.Aggregate(1L, (a, d) => a * d)], shape);
        Copy(value, host, toHost: true);
        return TensorData.Create<float>(shape, host.GetTensorDataAsSpan<float>());
    }

    /// <summary>Fills a device tensor with zeros.</summary>
    public void Zero(OrtValue value)
    {
        if (IsHostMemory) value.GetTensorMutableDataAsSpan<float>().Clear();
        else Write(value, TensorData.Zeros(ElementType.Float, value.GetTensorTypeAndShape().Shape));
    }

    private void Copy(OrtValue source, OrtValue target, bool toHost)
    {
        using var binding = _identity!.CreateIoBinding();
        binding.BindInput("x", source);
        binding.BindOutput(_identity.OutputNames[0], target);
        using var run = new RunOptions();
        _identity.RunWithBinding(run, binding);
        if (toHost) binding.SynchronizeBoundOutputs();
    }

    public void Dispose()
    {
        _identity?.Dispose();
        _deviceAllocator?.Dispose();
        _deviceMemory?.Dispose();
    }
}
