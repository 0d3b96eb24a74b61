using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Optimizers;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// The device tensors a <see cref="TrainingSession"/> steps, per trainable parameter: its value, its gradient, device
/// zeros that start an accumulation group (not on the CPU, where the gradient buffer is cleared instead) and its
/// optimizer states. Values that a run rewrites have a second buffer for the run to write (ONNX Runtime does not let a
/// run write over its own inputs).
/// </summary>
/// <remarks>
/// <see cref="Upload"/> allocates all of them or none: when an allocation or an upload fails, what was already made is
/// disposed before the failure propagates. Owns every tensor; dispose it to release them.
/// </remarks>
internal sealed class TrainingTensors : IDisposable
{
    private TrainingTensors(PingPong[] parameters, PingPong[] gradients, OrtValue?[] zeroGradients, PingPong[][] states)
    {
        Parameters = parameters;
        Gradients = gradients;
        ZeroGradients = zeroGradients;
        States = states;
    }

    public PingPong[] Parameters { get; }

    public PingPong[] Gradients { get; }

    /// <summary>Device zeros fed as the first accumulator of a group; null entries on the CPU.</summary>
    public OrtValue?[] ZeroGradients { get; }

    /// <summary>Optimizer states, [parameter][state].</summary>
    public PingPong[][] States { get; }

    /// <summary>
    /// Uploads <paramref name="parameters"/> from <paramref name="weights"/> and their <paramref name="stateNames"/> from
    /// <paramref name="states"/> (zeros where absent). <paramref name="updatedInPlace"/>: the host optimizer updates
    /// parameters and states in place, so they need no second buffer.
    /// </summary>
    public static TrainingTensors Upload(DeviceTensors device, IReadOnlyList<string> parameters, IReadOnlyList<string> stateNames,
        SafeTensorsFile weights, SafeTensorsFile? states, bool updatedInPlace)
    {
        var created = new List<OrtValue>();
        try
        {
            var values = new PingPong[parameters.Count];
            var gradients = new PingPong[parameters.Count];
            var zeros = new OrtValue?[parameters.Count];
            var stateValues = new PingPong[parameters.Count][];
            for (int i = 0; i < parameters.Count; i++)
            {
                var data = weights[parameters[i]];
                values[i] = new PingPong(Track(device.Upload(data)), SecondBuffer(data.Dims));
                gradients[i] = new PingPong(Track(device.Allocate(data.Dims)), Track(device.Allocate(data.Dims)));
                zeros[i] = device.IsHostMemory ? null : Track(device.Upload(TensorData.Zeros(ElementType.Float, data.Dims)));
                stateValues[i] = new PingPong[stateNames.Count];
                for (int s = 0; s < stateNames.Count; s++)
                {
                    var name = OptimizerGraphNames.State(parameters[i], stateNames[s]);
                    var initial = states is not null && states.Contains(name) ? states[name] : TensorData.Zeros(ElementType.Float, data.Dims);
                    stateValues[i][s] = new PingPong(Track(device.Upload(initial)), SecondBuffer(data.Dims));
                }
            }
            return new TrainingTensors(values, gradients, zeros, stateValues);
        }
        catch
        {
            foreach (var value in created) value.Dispose();
            throw;
        }

        OrtValue Track(OrtValue value)
        {
            created.Add(value);
            return value;
        }

        OrtValue? SecondBuffer(IReadOnlyList<long> shape) => updatedInPlace ? null : Track(device.Allocate(shape));
    }

    public void Dispose()
    {
        foreach (var pair in Parameters.Concat(Gradients).Concat(States.SelectMany(s => s))) pair.Dispose();
        foreach (var zero in ZeroGradients) zero?.Dispose();
    }

    /// <summary>
    /// Two device buffers of one tensor: the current value and the one the next run writes. A tensor updated in place
    /// has no second buffer.
    /// </summary>
    internal sealed class PingPong(OrtValue current, OrtValue? next) : IDisposable
    {
        public OrtValue Current { get; private set; } = current;

        public OrtValue Next => next ?? throw new InvalidOperationException("This tensor is updated in place; it has no second buffer.");

        public void Swap() => (Current, next) = (Next, Current);

        public void Dispose()
        {
            Current.Dispose();
            next?.Dispose();
        }
    }
}
